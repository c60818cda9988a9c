"""The EMS codes table, code by code: operation codes to statuses, answer codes to error types."""

from __future__ import annotations

import pytest

from couriers.ems import codes
from couriers.errors import (
    ConfigurationError,
    DuplicateOrderError,
    RejectedError,
    RetryableError,
)
from couriers.status import Status

OP_CODES = {
    "203": Status.PICKED_UP,
    "204": Status.IN_TRANSIT,
    "205": Status.IN_TRANSIT,
    "206": Status.IN_TRANSIT,
    "207": Status.OUT_FOR_DELIVERY,
    "208": Status.DELIVERED,
    "209": Status.DELIVERY_FAILED,
    "211": Status.AVAILABLE_FOR_PICKUP,
    "306": Status.RETURNING,
    "310": Status.RETURNING,
    "311": Status.RETURNED,
    "704": Status.EXCEPTION,
}

RET_CODES = {
    codes.RET_BUSY: RetryableError,
    codes.RET_RATE_LIMITED: RetryableError,
    codes.RET_INTERNAL: RetryableError,
    codes.RET_UNKNOWN_SENDER: ConfigurationError,
    codes.RET_BAD_AUTHORIZATION: ConfigurationError,
    codes.RET_BAD_PAYLOAD: ConfigurationError,
    codes.RET_ACCESS_DENIED: ConfigurationError,
    codes.RET_BAD_PARAMS: RejectedError,
    codes.RET_DUPLICATE_ORDER: DuplicateOrderError,
    codes.RET_BAD_ADDRESS: RejectedError,
    codes.RET_OUT_OF_AREA: RejectedError,
    codes.RET_BAD_PICKUP_WINDOW: RejectedError,
    codes.RET_NO_SUCH_ORDER: RejectedError,
    codes.RET_ALREADY_PICKED_UP: RejectedError,
    codes.RET_ALREADY_CANCELLED: RejectedError,
    codes.RET_NO_SUCH_WAYBILL: RejectedError,
    codes.RET_TOO_MANY_WAYBILLS: RejectedError,
}


@pytest.mark.parametrize(("op_code", "status"), sorted(OP_CODES.items()))
def test_operation_code(op_code: str, status: Status) -> None:
    assert codes.status_for(op_code) is status
    assert codes.status_for(op_code, "与代码无关的描述：已妥投") is status  # the table wins over text
    assert codes.OP_NAMES[op_code]


def test_the_table_is_exactly_the_tested_codes() -> None:
    assert dict(codes.STATUS_BY_OP_CODE) == OP_CODES
    assert set(codes.OP_NAMES) == set(OP_CODES)
    assert {c for c, s in OP_CODES.items() if s is Status.PICKED_UP} >= codes.PICKUP_OP_CODES


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("退回妥投", Status.RETURNED),
        ("未妥投，收件人不在", Status.DELIVERY_FAILED),
        ("邮件退回寄件人", Status.RETURNING),
        ("转寄", Status.IN_TRANSIT),
        ("应收件人要求转寄至新地址", Status.IN_TRANSIT),
        ("邮件已改寄，新地址：北京市朝阳区", Status.IN_TRANSIT),
        ("转寄退回", Status.RETURNING),
        ("已妥投，签收人：本人", Status.DELIVERED),
        ("已投递至快递柜，请及时取件", Status.AVAILABLE_FOR_PICKUP),
        ("投递员正在派送", Status.OUT_FOR_DELIVERY),
        ("已揽收", Status.PICKED_UP),
        ("邮件异常，延误", Status.EXCEPTION),
        ("到达国际互换局", Status.IN_TRANSIT),
        ("", Status.IN_TRANSIT),
    ],
)
def test_unknown_codes_fall_back_to_keywords(text: str, status: Status) -> None:
    assert codes.status_for("999", text) is status


@pytest.mark.parametrize(("ret_code", "error"), sorted(RET_CODES.items()))
def test_answer_code(ret_code: str, error: type) -> None:
    assert codes.error_class_for(ret_code) is error
    assert codes.RET_MESSAGES[ret_code]


def test_the_error_table_is_exactly_the_tested_codes() -> None:
    assert dict(codes.ERROR_BY_RET_CODE) == RET_CODES
    assert set(codes.RET_MESSAGES) == {codes.RET_OK, *RET_CODES}


@pytest.mark.parametrize(
    ("ret_code", "error"),
    [
        ("S99999", RetryableError),
        ("A99999", ConfigurationError),
        ("B99999", RejectedError),
        ("X1", RejectedError),
    ],
)
def test_unknown_answer_codes_by_first_letter(ret_code: str, error: type) -> None:
    assert codes.error_class_for(ret_code) is error


def test_api_codes() -> None:
    assert (codes.API_CREATE_ORDER, codes.API_CANCEL_ORDER, codes.API_LABEL, codes.API_TRACK) == (
        "020003",
        "020006",
        "010004",
        "040001",
    )
    assert codes.API_PUSH == "040002"
