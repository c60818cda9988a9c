"""Sandbox tracking numbers: everything needed to replay a parcel's life is inside the number.

Layout (21 characters): ``SB`` + booking time (10 digits, unix seconds) + origin city (2) + destination
city (2) + serial (4) + Luhn check digit (1), e.g. ``SB1764288000010500422`` (杭州 → 苏州). Because the
number carries the booking time and both cities, a restarted service (or another replica) can track an old
parcel with no shared state; the check digit tells a typo from a parcel that simply has no news yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from couriers.sandbox.cities import CITIES

__all__ = ["PREFIX", "SandboxNumber", "luhn_digit", "make_tracking_number", "parse_tracking_number"]

PREFIX = "SB"
SERIAL_MODULUS = 10_000
_PATTERN = re.compile(rf"{PREFIX}(\d{{10}})(\d{{2}})(\d{{2}})(\d{{4}})(\d)")


@dataclass(frozen=True, slots=True)
class SandboxNumber:
    """A decoded tracking number; city indexes are 1-based positions in `CITIES`, 0 = unknown."""

    booked_at: datetime
    origin: int
    destination: int
    serial: int


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for a string of decimal digits (the one payment cards use)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled positions, counted from the digit next to the check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def make_tracking_number(booked_at: datetime, origin: int, destination: int, serial: int) -> str:
    """Encode a parcel; `booked_at` must be timezone-aware and is kept to the whole second."""
    if booked_at.tzinfo is None:
        raise ValueError("booked_at must be timezone-aware")
    seconds = int(booked_at.timestamp())
    if not 0 <= seconds < 10**10:
        raise ValueError(f"booking time {booked_at.isoformat()} does not fit a sandbox number")
    for index in (origin, destination):
        if not 0 <= index <= len(CITIES):
            raise ValueError(f"no sandbox city number {index}")
    body = f"{seconds:010d}{origin:02d}{destination:02d}{serial % SERIAL_MODULUS:04d}"
    return f"{PREFIX}{body}{luhn_digit(body)}"


def parse_tracking_number(number: str) -> SandboxNumber:
    """Decode a number made by `make_tracking_number`; `ValueError` saying why when it is not one."""
    match = _PATTERN.fullmatch(number)
    if match is None:
        raise ValueError(f"{number!r} is not a sandbox tracking number (SB + 19 digits)")
    seconds, origin, destination, serial, check = match.groups()
    if luhn_digit(number[len(PREFIX) : -1]) != check:
        raise ValueError(f"{number!r} has a wrong check digit")
    o, d = int(origin), int(destination)
    if o > len(CITIES) or d > len(CITIES):
        raise ValueError(f"{number!r} names a city the sandbox does not know")
    return SandboxNumber(
        booked_at=datetime.fromtimestamp(int(seconds), UTC), origin=o, destination=d, serial=int(serial)
    )
