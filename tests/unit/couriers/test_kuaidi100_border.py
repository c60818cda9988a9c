"""The border (商家寄件) envelope: bOrder and cancel params, the signed form, answers and error codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from couriers.contract import Address, PickupRequest
from couriers.errors import ConfigurationError, RejectedError, RetryableError
from couriers.kuaidi100.border import (
    border_form,
    cancel_param,
    order_param,
    parse_border_answer,
    print_address,
)
from couriers.kuaidi100.signing import border_sign

HALL = Address("杭州市政务服务中心", "057188880000", "浙江省", "杭州市", "上城区", "解放东路18号")
HOME = Address("张三", "13800001234", "北京市", "北京市", "朝阳区", "建国路88号")
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 Beijing


def request(start: datetime, hours: float = 2) -> PickupRequest:
    return PickupRequest("CP-0001", HALL, HOME, start, start + timedelta(hours=hours))


def make(start: datetime, hours: float = 2) -> dict[str, str]:
    return order_param(
        request(start, hours),
        com="zhongtong",
        salt="s",
        callback_url="https://c.example/webhooks/kuaidi100",
        now=NOW,
    )


def test_print_address_joins_parts_without_repeating_the_city() -> None:
    assert print_address(HOME) == "北京市朝阳区建国路88号"
    assert print_address(HALL) == "浙江省杭州市上城区解放东路18号"


def test_order_param() -> None:
    param = make(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    assert param == {
        "kuaidicom": "zhongtong",
        "recManName": "张三",
        "recManMobile": "13800001234",
        "recManPrintAddr": "北京市朝阳区建国路88号",
        "sendManName": "杭州市政务服务中心",
        "sendManMobile": "057188880000",
        "sendManPrintAddr": "浙江省杭州市上城区解放东路18号",
        "callBackUrl": "https://c.example/webhooks/kuaidi100/order",
        "cargo": "证照",
        "weight": "0.2",
        "remark": "",
        "salt": "s",
        "dayType": "今天",
        "pickupStartTime": "10:00",
        "pickupEndTime": "12:00",
        "thirdOrderId": "CP-0001",
        "op": "1",
        "pollCallBackUrl": "https://c.example/webhooks/kuaidi100",
        "resultv2": "1",
    }


@pytest.mark.parametrize(
    ("start", "day_type"),
    [
        (datetime(2026, 3, 2, 15, 0, tzinfo=UTC), "今天"),  # 03-02 23:00 Beijing
        (datetime(2026, 3, 2, 16, 0, tzinfo=UTC), "明天"),  # 03-03 00:00 Beijing
        (datetime(2026, 3, 4, 1, 0, tzinfo=UTC), "后天"),
    ],
)
def test_day_type_is_counted_in_beijing(start: datetime, day_type: str) -> None:
    assert make(start)["dayType"] == day_type


def test_a_window_past_midnight_ends_at_2359() -> None:
    assert make(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), hours=3)["pickupEndTime"] == "23:59"


@pytest.mark.parametrize(
    "start", [datetime(2026, 3, 5, 1, 0, tzinfo=UTC), datetime(2026, 3, 1, 1, 0, tzinfo=UTC)]
)
def test_windows_outside_the_three_bookable_days_are_rejected(start: datetime) -> None:
    with pytest.raises(RejectedError) as e:
        make(start)
    assert e.value.raw_code == "DAY_TYPE"


def test_an_empty_window_is_rejected() -> None:
    with pytest.raises(RejectedError):
        make(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), hours=0)


def test_border_form_signs_param_t_key_secret() -> None:
    fields = border_form("cancel", cancel_param("T1", "O1"), key="KEY", secret="SEC", t_ms=1576123932000)
    assert fields["method"] == "cancel"
    assert fields["t"] == "1576123932000"
    assert fields["param"] == '{"taskId":"T1","orderId":"O1","cancelMsg":"证照寄递取消"}'
    assert fields["sign"] == border_sign(fields["param"], "1576123932000", "KEY", "SEC")
    assert fields["key"] == "KEY"


def test_successful_answer_gives_its_data() -> None:
    body = {"result": True, "returnCode": "200", "message": "提交成功",
            "data": {"kuaidinum": "YT1", "orderId": "2", "taskId": "T"}}  # fmt: skip
    assert parse_border_answer(json.dumps(body).encode(), operation="bOrder")["kuaidinum"] == "YT1"


@pytest.mark.parametrize(
    ("code", "error"),
    [("400", RejectedError), ("500", RetryableError), ("502", RetryableError), ("503", ConfigurationError),
     ("601", ConfigurationError), ("30002", RetryableError)],
)  # fmt: skip
def test_failure_codes(code: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_border_answer(json.dumps({"result": False, "returnCode": code}).encode(), operation="bOrder")


@pytest.mark.parametrize("body", [b"", b"<html>", b'"ok"'])
def test_garbage_is_retryable(body: bytes) -> None:
    with pytest.raises(RetryableError):
        parse_border_answer(body, operation="cancel")
