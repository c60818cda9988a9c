"""What every Chinese carrier's wire format shares: Beijing wall-clock time, compact JSON, and a UTC clock.

SF Express, EMS and Kuaidi100 all write times as Beijing time without a zone and sign or encrypt compact JSON
with Chinese left unescaped, so those rules live here once instead of once per adapter (and once more per
simulator). `load_json` exists because `json.loads` raises more than `ValueError` on hostile input — a body of
100 000 `[` raises `RecursionError` — and a push parser must turn *every* bad body into a clean refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

__all__ = [
    "BEIJING",
    "BEIJING_FORMATS",
    "MAX_JSON_DEPTH",
    "ack_fields",
    "as_utc",
    "dump_json",
    "format_beijing",
    "load_json",
    "parse_beijing",
    "utc_now",
]

#: China Standard Time: a fixed UTC+8 (China keeps no daylight saving time, so no tz database is needed).
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

#: The zone-less layouts carriers use, most common first (`yyyy-MM-dd HH:mm:ss`).
BEIJING_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M")


def utc_now() -> datetime:
    """The default clock of every adapter: aware, UTC (tests inject a virtual one instead)."""
    return datetime.now(UTC)


def as_utc(moment: datetime, *, what: str) -> datetime:
    """`moment` in UTC; `ValueError` naming `what` if it is naive (an injected clock that forgot its zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"{what} must return timezone-aware datetimes")
    return moment.astimezone(UTC)


def format_beijing(moment: datetime) -> str:
    """An aware datetime as carriers write it: Beijing wall-clock `yyyy-MM-dd HH:mm:ss`."""
    if moment.tzinfo is None:
        raise ValueError("carrier times are written from timezone-aware datetimes")
    return moment.astimezone(BEIJING).strftime(BEIJING_FORMATS[0])


def parse_beijing(text: object, formats: Iterable[str] = BEIJING_FORMATS) -> datetime:
    """A zone-less Beijing time as an aware UTC datetime; `ValueError` for anything else.

    Year-1 or year-9999 edge values that cannot be moved to UTC are a `ValueError` too, not `OverflowError`.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a time string, got {type(text).__name__}")
    for fmt in formats:
        try:
            local = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        try:
            return local.replace(tzinfo=BEIJING).astimezone(UTC)
        except OverflowError:
            raise ValueError(f"time out of range: {text[:40]!r}") from None
    raise ValueError(f"not a Beijing time (yyyy-MM-dd HH:mm:ss): {text[:40]!r}")


def dump_json(value: Any) -> str:
    """Compact JSON with Chinese kept as is: the exact text carriers sign, encrypt and send."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def ack_fields(status: int, body: bytes) -> dict[str, Any]:
    """The fields of a push acknowledgement: an HTTP 200 JSON object, else {} (what no carrier accepts)."""
    if status != 200:
        return {}
    try:
        answer = load_json(body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


#: Deeper than any carrier document (they nest five levels at most); deeper is refused, so no later
#: `str()` or `repr()` of a parsed value can recurse out of the stack either.
MAX_JSON_DEPTH = 64


def load_json(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that fails only with `ValueError`: bad UTF-8, bad JSON, numbers too long, or nesting
    deeper than `max_depth`."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ValueError(f"not JSON: {e}") from None
    if _depth_exceeds(value, max_depth):
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests containers deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
