"""Hostile push input, and the one rule for it: `parse_push` answers with `PushRejected`, never a crash.

The service maps `PushRejected` to 400/401/403; any other exception is a 500, and the carrier's push is lost
or retried into the same crash. These inputs are what found the crashes before: bytes that are not UTF-8, JSON
nested 100 000 deep (`RecursionError`), JSON of the wrong shape (`AttributeError`), numbers no `datetime` can
hold (`OverflowError`), non-ASCII signatures (`TypeError` from `hmac.compare_digest` on str). `mutations`
replaces every value of a genuine payload with each hostile value in turn, so a parser is exercised field by
field behind a valid signature.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from couriers.contract import Courier, InboundPush, PushOutcome
from couriers.errors import PushRejected

__all__ = [
    "BAD_PAYLOADS",
    "HOSTILE_VALUES",
    "NON_ASCII_CREDENTIALS",
    "RAW_BODIES",
    "mutations",
    "parse_or_refuse",
]

_DEEP = "[" * 100_000

#: Whole request bodies, sent as they are (no signature): garbage, non-UTF-8, wrong shapes, deep, huge.
RAW_BODIES: tuple[bytes, ...] = (
    b"",
    b"\x00\xff\xfe garbage \x80",
    b"\xff" * 64,
    "签名=值&param=参数".encode("gbk"),
    _DEEP.encode(),
    b'{"a":' * 50_000,
    b"9" * 5000,
    b"1e999",
    b"[]",
    b"{}",
    b"null",
    b'"text"',
    b"param=%FF%FE&sign=%FF",
    b"param=" + _DEEP.encode() + b"&sign=X",
    b"logitcsInterface=|$4|AAAA&senderNo=1",
    b"=" * 200,
)

#: Payloads sealed as authentic (signed / encrypted / at the secret path): wrong shapes, deep, huge numbers.
BAD_PAYLOADS: tuple[str, ...] = (
    "",
    "not json",
    "[]",
    "[1, 2]",
    "[{}]",
    "{}",
    '{"": ""}',
    "null",
    "true",
    "0",
    "-1",
    '"text"',
    _DEEP,
    "[" * 200 + "]" * 200,
    "9" * 5000,
    "1" + "0" * 400,
    "1e999",
    "-1e999",
    "NaN",
)

#: What stands where a signature or secret goes: must be refused (401/403), not crash a str comparison.
NON_ASCII_CREDENTIALS: tuple[str, ...] = ("签名✓", "é" * 32, "\x00", "\ufffd" * 8)

#: Raw JSON text put in place of each value of a genuine payload by `mutations`.
HOSTILE_VALUES: tuple[str, ...] = (
    "1e999",
    "-1e999",
    "1" + "0" * 400,
    "-" + "9" * 4000,
    "0",
    "-1",
    "1.5",
    "null",
    "true",
    "[]",
    "{}",
    "[" * 200 + "]" * 200,
    '"0001-01-01 00:00:00"',
    '"9999-12-31 23:59:59"',
    '"0001-01-01T00:00:00+14:00"',
    '"\\ud800"',
    '"签名"',
    '""',
    json.dumps("x" * 10_000),
)

_SENTINEL = "\x00hostile\x00"


def mutations(payload: str) -> Iterator[tuple[str, str]]:
    """(where, text) for each value of the JSON `payload` (root excluded) replaced by each hostile value."""
    document = json.loads(payload)
    marker = json.dumps(_SENTINEL, ensure_ascii=False)
    for path in _paths(document):
        template = json.dumps(_replaced(document, path), ensure_ascii=False)
        for value in HOSTILE_VALUES:
            yield f"{'/'.join(map(str, path))} = {value[:24]}", template.replace(marker, value, 1)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    children: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, child in children:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _replaced(node: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return _SENTINEL
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: _replaced(v, rest) if k == head else v for k, v in node.items()}
    return [_replaced(v, rest) if i == head else v for i, v in enumerate(node)]


def parse_or_refuse(
    courier: Courier, push: InboundPush, what: str, *, events_allowed: bool
) -> PushOutcome | None:
    """`courier.parse_push(push)`: `PushRejected` is fine (None); an outcome is fine, with events only when
    `events_allowed`; any other exception fails the test, naming the input (`what`)."""
    try:
        outcome = courier.parse_push(push)
    except PushRejected:
        return None
    except Exception as e:  # the point of the test: nothing but PushRejected may escape
        pytest.fail(
            f"parse_push raised {type(e).__name__} ({e!s:.200}) for {what}; only PushRejected may escape"
        )
    if not events_allowed:
        assert not outcome.events, f"{what} was accepted with events"
    return outcome
