"""SF's opCode table code by code, and every error code to its typed failure."""

from __future__ import annotations

import pytest

from couriers.errors import (
    ConfigurationError,
    CourierError,
    DuplicateOrderError,
    RejectedError,
    RetryableError,
)
from couriers.sf_express import codes
from couriers.status import Status

EXPECTED = {
    "50": Status.PICKED_UP,
    "54": Status.PICKED_UP,
    "30": Status.IN_TRANSIT,
    "31": Status.IN_TRANSIT,
    "36": Status.IN_TRANSIT,
    "3036": Status.IN_TRANSIT,
    "123": Status.IN_TRANSIT,
    "130": Status.IN_TRANSIT,
    "44": Status.OUT_FOR_DELIVERY,
    "70": Status.DELIVERY_FAILED,
    "33": Status.EXCEPTION,
    "80": Status.DELIVERED,
    "8000": Status.DELIVERED,
    "607": Status.AVAILABLE_FOR_PICKUP,
    "99": Status.IN_TRANSIT,
    "648": Status.IN_TRANSIT,
    "631": Status.RETURNED,
}


@pytest.mark.parametrize(("code", "status"), sorted(EXPECTED.items()))
def test_opcode_maps_to_status(code: str, status: Status) -> None:
    assert codes.status_for(code) is status
    assert codes.is_known(code)


def test_table_has_exactly_the_expected_codes() -> None:
    assert dict(codes.STATUS_BY_OPCODE) == EXPECTED


def test_unknown_opcode_is_in_transit_and_flagged() -> None:
    assert codes.status_for("9999") is Status.IN_TRANSIT
    assert not codes.is_known("9999")


def test_codes_are_matched_without_surrounding_space() -> None:
    assert codes.status_for(" 80 ") is Status.DELIVERED


def test_terminal_codes() -> None:
    assert {c for c, s in codes.STATUS_BY_OPCODE.items() if s.terminal} == {"80", "8000", "631"}


def test_pickup_codes_are_the_picked_up_ones() -> None:
    assert {c for c, s in EXPECTED.items() if s is Status.PICKED_UP} == codes.PICKUP_CODES


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        codes.STATUS_BY_OPCODE["1"] = Status.PENDING  # type: ignore[index]


ERRORS: dict[str, type[CourierError]] = {
    "A1001": RejectedError,
    "A1002": ConfigurationError,
    "A1003": ConfigurationError,
    "A1004": ConfigurationError,
    "A1005": RetryableError,
    "A1006": ConfigurationError,
    "A1007": RetryableError,  # a repeated requestID: sent again with a fresh one
    "A1009": RetryableError,
    "A1099": RetryableError,
    "8016": DuplicateOrderError,
    "8018": RejectedError,
    "8247": RejectedError,
    "8119": ConfigurationError,
    "8003": RejectedError,
    "8037": RejectedError,
    "8252": RejectedError,
    "8096": RejectedError,
    "1010": RejectedError,
    "1014": RejectedError,
    "A1234": RetryableError,  # unknown gateway code
    "9999": RejectedError,  # unknown business code
}


@pytest.mark.parametrize(("code", "kind"), sorted(ERRORS.items()))
def test_error_code_maps_to_type(code: str, kind: type[CourierError]) -> None:
    error = codes.classify(code, "消息", carrier="sf_express", operation="EXP_RECE_CREATE_ORDER")
    assert type(error) is kind
    assert error.raw_code == code
    assert error.carrier == "sf_express"
    assert code in str(error)
    assert "消息" in str(error)


def test_every_documented_code_is_in_a_table() -> None:
    documented = {c for c in ERRORS if c not in ("A1234", "9999")}
    assert documented <= set(codes.GATEWAY_ERRORS) | set(codes.BUSINESS_ERRORS)
