"""Sandbox tracking numbers carry booking time and cities, and a check digit catches typos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from couriers.sandbox.cities import CITIES, city_at, city_index
from couriers.sandbox.numbers import SandboxNumber, luhn_digit, make_tracking_number, parse_tracking_number

BOOKED_AT = datetime(2025, 11, 28, tzinfo=UTC)


def test_known_number_layout() -> None:
    assert make_tracking_number(BOOKED_AT, 1, 5, 42) == "SB1764288000010500422"


def test_luhn_reference_vector() -> None:
    assert luhn_digit("7992739871") == "3"


@given(
    seconds=st.integers(min_value=0, max_value=9_999_999_999),
    origin=st.integers(min_value=0, max_value=len(CITIES)),
    destination=st.integers(min_value=0, max_value=len(CITIES)),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_round_trip(seconds: int, origin: int, destination: int, serial: int) -> None:
    booked = datetime.fromtimestamp(seconds, UTC)
    number = make_tracking_number(booked, origin, destination, serial)
    assert len(number) == 21
    assert parse_tracking_number(number) == SandboxNumber(booked, origin, destination, serial)


def test_booking_time_is_kept_to_the_second_in_utc() -> None:
    local = datetime(2025, 11, 28, 8, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=8)))
    assert parse_tracking_number(make_tracking_number(local, 0, 0, 1)).booked_at == BOOKED_AT


def test_every_single_digit_typo_is_caught() -> None:
    number = make_tracking_number(BOOKED_AT, 3, 7, 1234)
    for i in range(2, len(number)):
        for digit in "0123456789":
            if digit != number[i]:
                typo = number[:i] + digit + number[i + 1 :]
                with pytest.raises(ValueError, match=r"check digit|city"):
                    parse_tracking_number(typo)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "SB",
        "SF1764288000010500422",
        "sb1764288000010500422",
        "SB176428800001050042",
        "SB17642880000105004221",
    ],
)
def test_malformed_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a sandbox tracking number"):
        parse_tracking_number(bad)


def test_city_index_outside_the_table_is_refused() -> None:
    body = f"{int(BOOKED_AT.timestamp()):010d}99000001"
    with pytest.raises(ValueError, match="city"):
        parse_tracking_number(f"SB{body}{luhn_digit(body)}")
    with pytest.raises(ValueError, match="city"):
        make_tracking_number(BOOKED_AT, 99, 0, 1)


def test_naive_booking_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        make_tracking_number(datetime(2025, 1, 1), 0, 0, 0)


def test_city_lookup_accepts_both_spellings() -> None:
    assert city_index("杭州") == city_index("杭州市") == 1
    assert city_index("海口") == 0
    assert city_at(0) is None
    assert city_at(city_index("成都")).name == "成都"  # type: ignore[union-attr]
    with pytest.raises(IndexError):
        city_at(len(CITIES) + 1)


def test_city_names_are_unique() -> None:
    assert len({c.name for c in CITIES}) == len(CITIES)
