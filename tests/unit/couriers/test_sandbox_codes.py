"""The sandbox raw-code table, code by code: a wrong mapping would mis-state every demo parcel."""

from __future__ import annotations

import pytest

from couriers.sandbox import codes
from couriers.status import Status

EXPECTED = {
    "BOOKED": Status.INFO_RECEIVED,
    "PICKED_UP": Status.PICKED_UP,
    "ARRIVED": Status.IN_TRANSIT,
    "DEPARTED": Status.IN_TRANSIT,
    "EXCEPTION": Status.EXCEPTION,
    "RESOLVED": Status.IN_TRANSIT,
    "OUT_FOR_DELIVERY": Status.OUT_FOR_DELIVERY,
    "FAILED_ATTEMPT": Status.DELIVERY_FAILED,
    "IN_LOCKER": Status.AVAILABLE_FOR_PICKUP,
    "SIGNED": Status.DELIVERED,
    "CANCELLED": Status.CANCELLED,
}


@pytest.mark.parametrize(("code", "status"), sorted(EXPECTED.items()))
def test_code_maps_to_status(code: str, status: Status) -> None:
    assert codes.status_for(code) is status


def test_table_has_exactly_the_expected_codes() -> None:
    assert dict(codes.STATUS_BY_CODE) == EXPECTED


def test_code_constants_are_their_own_names() -> None:
    for code in EXPECTED:
        assert getattr(codes, code) == code


def test_only_signed_and_cancelled_are_terminal() -> None:
    terminal = {c for c, s in codes.STATUS_BY_CODE.items() if s.terminal}
    assert terminal == {"SIGNED", "CANCELLED"}


def test_unknown_code_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        codes.status_for("LOST_IN_SPACE")


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        codes.STATUS_BY_CODE["NEW"] = Status.PENDING  # type: ignore[index]
