"""The sandbox push format, byte for byte: one module both the sender and `parse_push` use.

Body: UTF-8 JSON ``{"tracking_number": "SB…", "events": [{"time": ISO 8601 with offset, "code": raw code,
"description": str, "location": str}]}``.
Header ``X-Sandbox-Signature: sha256=<hex HMAC-SHA256(secret, body)>``
computed over the exact body bytes, as real carriers sign what they send rather than a re-serialization.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime

from couriers.events import TrackingEvent
from couriers.sandbox.codes import STATUS_BY_CODE
from couriers.sandbox.numbers import parse_tracking_number
from couriers.wire_common import dump_json, load_json

__all__ = ["ACK_BODY", "SIGNATURE_HEADER", "decode_push", "encode_push", "sign", "verify"]

SIGNATURE_HEADER = "X-Sandbox-Signature"
ACK_BODY = b'{"ok":true}'
_SCHEME = "sha256="


def encode_push(tracking_number: str, events: Iterable[TrackingEvent]) -> bytes:
    """The body of a push carrying `events` (in the given order)."""
    payload = {
        "tracking_number": tracking_number,
        "events": [
            {
                "time": e.time.isoformat(),
                "code": e.raw_code,
                "description": e.description,
                "location": e.location,
            }
            for e in events
        ],
    }
    return dump_json(payload).encode()


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body`."""
    return _SCHEME + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body`, compared in constant time."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("utf-8", "replace"))


def decode_push(body: bytes) -> tuple[str, list[TrackingEvent]]:
    """Parse a (verified) push body into normalized events; `ValueError` saying what is wrong otherwise."""
    try:
        payload = load_json(body.decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError included
        raise ValueError(f"body is not UTF-8 JSON: {e}") from e
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    number = payload.get("tracking_number")
    if not isinstance(number, str):
        raise ValueError("tracking_number must be a string")
    parse_tracking_number(number)
    items = payload.get("events")
    if not isinstance(items, list):
        raise ValueError("events must be a list")
    return number, [_event(number, i, item) for i, item in enumerate(items)]


def _event(number: str, index: int, item: object) -> TrackingEvent:
    where = f"events[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")
    time, code = item.get("time"), item.get("code")
    description, location = item.get("description"), item.get("location", "")
    if not isinstance(time, str):
        raise ValueError(f"{where}.time must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(time)
    except ValueError as e:
        raise ValueError(f"{where}.time is not ISO 8601: {time[:40]!r}") from e
    if when.tzinfo is None:
        raise ValueError(f"{where}.time has no UTC offset: {time[:40]!r}")
    try:
        when = when.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed across midnight UTC
        raise ValueError(f"{where}.time is out of range: {time[:40]!r}") from None
    if not isinstance(code, str) or code not in STATUS_BY_CODE:
        raise ValueError(f"{where}.code is not a sandbox code: {code!r}")
    if not isinstance(description, str) or not isinstance(location, str):
        raise ValueError(f"{where}.description and .location must be strings")
    return TrackingEvent(
        tracking_number=number,
        time=when,
        status=STATUS_BY_CODE[code],
        raw_code=code,
        description=description,
        location=location,
    )
