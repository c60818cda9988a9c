"""Every Kuaidi100 code, one by one: tracking states, order-callback statuses and API return codes."""

from __future__ import annotations

import pytest

from couriers.errors import ConfigurationError, RejectedError, RetryableError
from couriers.kuaidi100 import codes
from couriers.status import Status

EXPECTED_STATES = {
    "0": Status.IN_TRANSIT,
    "1001": Status.IN_TRANSIT,
    "1002": Status.IN_TRANSIT,
    "1003": Status.IN_TRANSIT,
    "1": Status.PICKED_UP,
    "101": Status.INFO_RECEIVED,
    "102": Status.INFO_RECEIVED,
    "103": Status.PICKED_UP,
    "2": Status.EXCEPTION,
    "201": Status.EXCEPTION,
    "202": Status.EXCEPTION,
    "203": Status.DELIVERY_FAILED,
    "204": Status.DELIVERY_FAILED,
    "205": Status.EXCEPTION,
    "206": Status.DELIVERY_FAILED,
    "207": Status.EXCEPTION,
    "208": Status.EXCEPTION,
    "209": Status.EXCEPTION,
    "210": Status.EXCEPTION,
    "3": Status.DELIVERED,
    "301": Status.DELIVERED,
    "302": Status.DELIVERED,
    "303": Status.DELIVERED,
    "304": Status.DELIVERED,
    "4": Status.RETURNED,
    "401": Status.CANCELLED,
    "14": Status.RETURNING,
    "5": Status.OUT_FOR_DELIVERY,
    "501": Status.AVAILABLE_FOR_PICKUP,
    "6": Status.RETURNING,
    "7": Status.IN_TRANSIT,
    "8": Status.IN_TRANSIT,
    "10": Status.IN_TRANSIT,
    "11": Status.IN_TRANSIT,
    "12": Status.IN_TRANSIT,
    "13": Status.EXCEPTION,
}

EXPECTED_ORDER = {
    "0": Status.INFO_RECEIVED,
    "610": Status.EXCEPTION,
    "1": Status.INFO_RECEIVED,
    "2": Status.INFO_RECEIVED,
    "10": Status.PICKED_UP,
    "11": Status.EXCEPTION,
    "101": Status.IN_TRANSIT,
    "12": Status.RETURNED,
    "13": Status.DELIVERED,
    "14": Status.EXCEPTION,
    "15": None,
    "155": None,
    "9": Status.CANCELLED,
    "99": Status.CANCELLED,
}


@pytest.mark.parametrize(("code", "status"), sorted(EXPECTED_STATES.items()))
def test_tracking_state(code: str, status: Status) -> None:
    assert codes.status_for(code) is status


def test_the_state_table_has_exactly_the_tested_codes() -> None:
    assert set(codes.STATE_STATUS) == set(EXPECTED_STATES)


@pytest.mark.parametrize(
    ("code", "status"),
    [("211", Status.EXCEPTION), ("305", Status.DELIVERED), ("402", Status.RETURNED),
     ("1004", Status.IN_TRANSIT), ("104", Status.PICKED_UP), ("502", Status.OUT_FOR_DELIVERY),
     ("601", Status.RETURNING), ("701", Status.IN_TRANSIT), ("801", Status.IN_TRANSIT),
     ("1301", Status.EXCEPTION), ("1401", Status.RETURNING)],
)  # fmt: skip
def test_an_unknown_sub_state_falls_back_to_its_state_group(code: str, status: Status) -> None:
    assert code not in codes.STATE_STATUS
    assert codes.status_for(code) is status


@pytest.mark.parametrize("code", ["999", "9", "42", "", "abc", "20001"])
def test_a_code_whose_group_is_unknown_too_is_a_key_error(code: str) -> None:
    with pytest.raises(KeyError):
        codes.status_for(code)


@pytest.mark.parametrize(("code", "status"), sorted(EXPECTED_ORDER.items()))
def test_order_callback_status(code: str, status: Status | None) -> None:
    assert codes.order_status_for(code) is status
    assert codes.ORDER_TEXT[code]


def test_the_order_table_has_exactly_the_tested_codes() -> None:
    assert set(codes.ORDER_STATUS) == set(EXPECTED_ORDER) == set(codes.ORDER_TEXT)


def test_order_raw_codes_never_collide_with_tracking_states() -> None:
    assert codes.order_raw_code("13") == "order:13"
    assert not {codes.order_raw_code(c) for c in codes.ORDER_STATUS} & set(codes.STATE_STATUS)


@pytest.mark.parametrize(
    ("code", "group"),
    [("0", "0"), ("1001", "0"), ("1003", "0"), ("101", "1"), ("103", "1"), ("209", "2"), ("304", "3"),
     ("401", "4"), ("501", "5"), ("6", "6"), ("10", "10"), ("13", "13"), ("14", "14"), ("211", "2"),
     ("1004", "0"), ("1401", "14"), ("1102", "11"), ("abc", "abc"), (" 103 ", "1")],
)  # fmt: skip
def test_state_group(code: str, group: str) -> None:
    assert codes.state_group(code) == group


def test_every_state_has_a_group_label() -> None:
    for code in codes.STATE_STATUS:
        assert codes.state_group(code) in codes.STATE_LABELS


@pytest.mark.parametrize(
    ("label", "code"), [("在途", "0"), ("签收", "3"), ("拒签", "14"), ("转单", "7"), (" 派件 ", "5")]
)
def test_code_for_label(label: str, code: str) -> None:
    assert codes.code_for_label(label) == code


def test_unknown_label_has_no_code() -> None:
    assert codes.code_for_label("火星") is None


@pytest.mark.parametrize(
    ("code", "error"),
    [("400", ConfigurationError), ("501", RetryableError), ("502", RetryableError),
     ("503", ConfigurationError), ("601", ConfigurationError), ("777", RetryableError)],
)  # fmt: skip
def test_query_return_codes(code: str, error: type[Exception]) -> None:
    err = codes.error_for(codes.QUERY_ERRORS, code, "msg", operation="query")
    assert type(err) is error
    assert err.raw_code == code
    assert err.carrier == "kuaidi100"


def test_query_codes_meaning_no_timeline() -> None:
    assert {"500", "408"} == codes.QUERY_EMPTY
    assert not codes.QUERY_EMPTY & set(codes.QUERY_ERRORS)


@pytest.mark.parametrize(
    ("code", "error"),
    [("500", RetryableError), ("600", ConfigurationError), ("601", ConfigurationError),
     ("700", RejectedError), ("701", RejectedError), ("702", RejectedError)],
)  # fmt: skip
def test_subscribe_return_codes(code: str, error: type[Exception]) -> None:
    assert type(codes.error_for(codes.SUBSCRIBE_ERRORS, code, "", operation="subscribe")) is error


def test_subscribe_success_codes() -> None:
    assert {"200", "501"} == codes.SUBSCRIBE_OK


@pytest.mark.parametrize(
    ("code", "error"),
    [("400", RejectedError), ("500", RetryableError), ("501", RetryableError), ("502", RetryableError),
     ("503", ConfigurationError), ("601", ConfigurationError)],
)  # fmt: skip
def test_border_return_codes(code: str, error: type[Exception]) -> None:
    assert type(codes.error_for(codes.BORDER_ERRORS, code, "", operation="bOrder")) is error
