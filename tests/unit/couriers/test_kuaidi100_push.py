"""Inbound Kuaidi100 pushes: tracking pushes and border order callbacks — good, tampered, malformed, abort."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from couriers.contract import InboundPush
from couriers.errors import ConfigurationError, PushRejected, RejectedError, RetryableError
from couriers.kuaidi100 import Kuaidi100Config, Kuaidi100Courier, codes
from couriers.kuaidi100.push import (
    ACK_BODY,
    ORDER_EPOCH,
    ORDER_LIFECYCLE,
    parse_subscribe_answer,
    subscribe_form,
)
from couriers.kuaidi100.signing import encode_param, push_sign
from couriers.status import Status

SALT = "push-salt"
NOW = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)
NUMBER = "78000000000042"

LAST_RESULT = {
    "message": "ok",
    "nu": NUMBER,
    "ischeck": "1",
    "com": "zhongtong",
    "status": "200",
    "state": "301",
    "data": [
        {"time": "2026-03-04 14:00:00", "ftime": "2026-03-04 14:00:00", "context": "快件已签收，签收人：本人",
         "areaName": "北京,北京市", "status": "签收", "statusCode": "301"},
        {"time": "2026-03-04 10:00:00", "ftime": "2026-03-04 10:00:00", "context": "李师傅 正在派件",
         "areaName": "北京,北京市", "status": "派件", "statusCode": "5"},
        {"time": "2026-03-02 11:30:00", "ftime": "2026-03-02 11:30:00", "context": "张师傅 已揽收",
         "areaName": "浙江,杭州市", "status": "揽收", "statusCode": "103"},
    ],
}  # fmt: skip


CONFIG = {
    "customer": "C",
    "key": "K",
    "secret": "S",
    "salt": SALT,
    "query_url": "http://k100.invalid/poll/query.do",
    "poll_url": "http://k100.invalid/poll",
}


@pytest.fixture
def courier() -> Kuaidi100Courier:
    return Kuaidi100Courier(Kuaidi100Config.from_mapping(CONFIG), now=lambda: NOW)


def form(fields: dict[str, str], tail: str = "") -> InboundPush:
    body = urlencode(fields).encode("ascii")
    return InboundPush(
        path_tail=tail, headers={}, body=body, content_type="application/x-www-form-urlencoded"
    )


def tracking(status: str = "shutdown", last: Any = LAST_RESULT, salt: str = SALT) -> InboundPush:
    param = encode_param({"status": status, "billstatus": "", "message": "", "lastResult": last})
    return form({"param": param, "sign": push_sign(param, salt)})


def order(body: dict[str, Any], salt: str = SALT) -> InboundPush:
    param = encode_param(body)
    return form({"taskId": "TASK1", "sign": push_sign(param, salt), "param": param}, tail="/order")


def test_tracking_push_gives_the_whole_timeline_oldest_first(courier: Kuaidi100Courier) -> None:
    outcome = courier.parse_push(tracking())
    assert [e.raw_code for e in outcome.events] == ["103", "5", "301"]
    assert [e.status for e in outcome.events] == [Status.PICKED_UP, Status.OUT_FOR_DELIVERY, Status.DELIVERED]
    first = outcome.events[0]
    assert first.time == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)  # 11:30 Beijing
    assert first.tracking_number == NUMBER
    assert first.description == "张师傅 已揽收"
    assert first.location == "浙江,杭州市"
    assert outcome.ack_body == ACK_BODY
    assert json.loads(outcome.ack_body) == {"result": True, "returnCode": "200", "message": "成功"}
    assert outcome.ack_status == 200
    assert not outcome.resubscribe


def test_abort_asks_to_resubscribe(courier: Kuaidi100Courier) -> None:
    empty = {"message": "3天查询无记录", "nu": NUMBER, "state": "0", "data": []}
    outcome = courier.parse_push(tracking("abort", empty))
    assert list(outcome.resubscribe) == [NUMBER]
    assert outcome.events == []


@pytest.mark.parametrize("status", ["polling", "shutdown", "updateall"])
def test_other_statuses_do_not_resubscribe(courier: Kuaidi100Courier, status: str) -> None:
    assert not courier.parse_push(tracking(status)).resubscribe


def test_event_without_status_code_falls_back_to_its_label(courier: Kuaidi100Courier) -> None:
    item = {"time": "2026-03-02 11:30:00", "context": "到达", "status": "在途"}
    [event] = courier.parse_push(tracking("polling", {"nu": NUMBER, "state": "0", "data": [item]})).events
    assert event.raw_code == "0"
    assert event.status is Status.IN_TRANSIT


@pytest.mark.parametrize(
    "push",
    [
        tracking(salt="wrong-salt"),
        form({"param": encode_param({"status": "polling", "lastResult": LAST_RESULT})}),
        form({"param": encode_param({"status": "polling", "lastResult": LAST_RESULT}), "sign": ""}),
    ],
    ids=["wrong-sign", "no-sign", "empty-sign"],
)
def test_unauthenticated_tracking_push_is_401(courier: Kuaidi100Courier, push: InboundPush) -> None:
    with pytest.raises(PushRejected) as e:
        courier.parse_push(push)
    assert e.value.status == 401


def test_tampered_param_is_401(courier: Kuaidi100Courier) -> None:
    genuine = tracking()
    forged = InboundPush("", {}, genuine.body.replace(b"301", b"304"), genuine.content_type)
    with pytest.raises(PushRejected) as e:
        courier.parse_push(forged)
    assert e.value.status == 401


def signed_param(text: str) -> InboundPush:
    return form({"param": text, "sign": push_sign(text, SALT)})


@pytest.mark.parametrize(
    "push",
    [
        form({"sign": "X"}),
        InboundPush("", {}, b"\xff\xfe", ""),
        signed_param("not json"),
        signed_param("[]"),
        signed_param('{"lastResult": {}}'),
        signed_param('{"status": "polling", "lastResult": {"data": []}}'),
        signed_param('{"status": "polling", "lastResult": {"nu": "1", "data": {}}}'),
        signed_param('{"status": "polling", "lastResult": {"nu": "1", "data": [{"statusCode": "3"}]}}'),
        signed_param(
            '{"status": "polling", "lastResult": {"nu": "1", "data": [{"time": "soon", "statusCode": "3"}]}}'
        ),
        signed_param(
            '{"status": "polling", "lastResult": {"nu": "1", "data": [{"time": "2026-03-02 11:30:00"}]}}'
        ),
        signed_param("1"),
        signed_param('"polling"'),
        signed_param("null"),
        signed_param("[" * 100_000),
        signed_param("9" * 5000),
        signed_param('{"status": "polling", "lastResult": []}'),
        signed_param('{"status": "polling", "lastResult": {"nu": {"a": 1}, "data": []}}'),
        signed_param(
            '{"status": "polling", "lastResult": {"nu": "1", "data": [{"time": "0001-01-01 00:00:00", '
            '"statusCode": "3"}]}}'
        ),
    ],
)
def test_malformed_tracking_push_is_400(courier: Kuaidi100Courier, push: InboundPush) -> None:
    with pytest.raises(PushRejected) as e:
        courier.parse_push(push)
    assert e.value.status == 400


ORDER_BODY = {
    "kuaidicom": "zhongtong",
    "kuaidinum": NUMBER,
    "status": "10",
    "message": "已取件",
    "data": {
        "orderId": "20000001",
        "status": "10",
        "courierName": "张师傅",
        "updateTime": "2026-03-02 11:30:00",
    },
}


def test_order_callback_becomes_an_event_with_a_namespaced_code(courier: Kuaidi100Courier) -> None:
    outcome = courier.parse_push(order(ORDER_BODY))
    [event] = outcome.events
    assert event.raw_code == "order:10"
    assert event.status is Status.PICKED_UP
    assert event.tracking_number == NUMBER
    assert event.time == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    assert event.description == "已取件"
    assert outcome.ack_body == ACK_BODY


def test_order_callback_without_update_time_gets_a_time_that_survives_replays() -> None:
    body = {**ORDER_BODY, "status": "9", "message": "", "data": {"orderId": "1", "cancelMsg": "不寄了"}}
    clock = [NOW]
    courier = Kuaidi100Courier(Kuaidi100Config.from_mapping(CONFIG), now=lambda: clock[0])
    [first] = courier.parse_push(order(body)).events
    clock[0] = NOW + timedelta(minutes=30)  # Kuaidi100 retries about 30 minutes later
    [replayed] = courier.parse_push(order(body)).events
    assert replayed == first
    assert replayed.key == first.key, "the same dedupe key: stored once"
    assert first.time == ORDER_EPOCH + timedelta(seconds=ORDER_LIFECYCLE.index("9"))
    assert first.status is Status.CANCELLED
    assert first.description == "不寄了"


def test_timeless_order_events_keep_their_lifecycle_order(courier: Kuaidi100Courier) -> None:
    def timeless(status: str) -> Any:
        [event] = courier.parse_push(order({**ORDER_BODY, "status": status, "data": {}})).events
        return event

    events = [timeless(status) for status in ("13", "0", "10", "101", "1")]
    assert [e.raw_code for e in sorted(events, key=lambda e: e.time)] == [
        "order:0",
        "order:1",
        "order:10",
        "order:101",
        "order:13",
    ]


def test_every_order_status_has_a_place_in_the_lifecycle() -> None:
    assert set(ORDER_LIFECYCLE) == set(codes.ORDER_STATUS)
    assert len(ORDER_LIFECYCLE) == len(set(ORDER_LIFECYCLE))


def test_a_top_level_update_time_is_used_too(courier: Kuaidi100Courier) -> None:
    body = {**ORDER_BODY, "updateTime": "2026-03-02 12:00:00", "data": {"orderId": "1"}}
    [event] = courier.parse_push(order(body)).events
    assert event.time == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_610_order_failed_is_an_exception_event(courier: Kuaidi100Courier) -> None:
    body = {**ORDER_BODY, "status": "610", "message": "", "data": {"orderId": "1", "status": "610"}}
    [event] = courier.parse_push(order(body)).events
    assert (event.status, event.raw_code, event.description) == (Status.EXCEPTION, "order:610", "下单失败")


def test_610_without_a_waybill_number_is_acknowledged_and_logged(
    courier: Kuaidi100Courier, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"kuaidicom": "zhongtong", "status": "610", "message": "", "data": {"orderId": "20000007"}}
    outcome = courier.parse_push(order(body))
    assert outcome.events == []
    assert outcome.ack_body == ACK_BODY
    assert "610" in caplog.text
    assert "20000007" in caplog.text


@pytest.mark.parametrize("status", ["15", "155"])
def test_billing_callbacks_are_acknowledged_without_events(courier: Kuaidi100Courier, status: str) -> None:
    outcome = courier.parse_push(order({**ORDER_BODY, "status": status}))
    assert outcome.events == []
    assert outcome.ack_body == ACK_BODY


def test_tampered_order_callback_is_401(courier: Kuaidi100Courier) -> None:
    with pytest.raises(PushRejected) as e:
        courier.parse_push(order(ORDER_BODY, salt="guess"))
    assert e.value.status == 401


@pytest.mark.parametrize(
    "body",
    [
        {**ORDER_BODY, "status": "777"},
        {**ORDER_BODY, "data": []},
        {**ORDER_BODY, "data": {"updateTime": "soon"}},
        {**ORDER_BODY, "data": {"updateTime": 1_700_000_000}},
        {**ORDER_BODY, "kuaidinum": ["78001"]},
    ],
)
def test_malformed_order_callback_is_400(courier: Kuaidi100Courier, body: dict[str, Any]) -> None:
    with pytest.raises(PushRejected) as e:
        courier.parse_push(order(body))
    assert e.value.status == 400


def signed_order_param(text: str) -> InboundPush:
    return form({"taskId": "T", "sign": push_sign(text, SALT), "param": text}, tail="/order")


@pytest.mark.parametrize("text", ["[]", "[1, 2]", "7", '"10"', "null", "true", "[" * 100_000, "1e999"])
def test_an_order_callback_that_is_json_but_not_an_object_is_400(
    courier: Kuaidi100Courier, text: str
) -> None:
    with pytest.raises(PushRejected) as e:
        courier.parse_push(signed_order_param(text))
    assert e.value.status == 400


@pytest.mark.parametrize("tail", ["", "/order"])
@pytest.mark.parametrize("sign", ["签名", "ÄBC", "\u00e9" * 32, "\ufffd"])
def test_a_non_ascii_sign_is_401_not_a_crash(courier: Kuaidi100Courier, tail: str, sign: str) -> None:
    param = encode_param({"status": "polling", "lastResult": LAST_RESULT})
    push = form({"param": param, "sign": sign}, tail=tail)
    with pytest.raises(PushRejected) as e:
        courier.parse_push(push)
    assert e.value.status == 401
    undecodable = InboundPush(tail, {}, push.body.split(b"&sign=")[0] + b"&sign=%FF%FE", push.content_type)
    with pytest.raises(PushRejected) as e:
        courier.parse_push(undecodable)
    assert e.value.status == 401


def test_a_tracking_push_sent_to_the_order_path_is_400(courier: Kuaidi100Courier) -> None:
    push = tracking()
    with pytest.raises(PushRejected) as e:
        courier.parse_push(InboundPush("/order", {}, push.body, push.content_type))
    assert e.value.status == 400


def test_unknown_path_is_404(courier: Kuaidi100Courier) -> None:
    push = tracking()
    with pytest.raises(PushRejected) as e:
        courier.parse_push(InboundPush("/elsewhere", {}, push.body, push.content_type))
    assert e.value.status == 404


def test_subscribe_form() -> None:
    fields = subscribe_form(
        key="K",
        com="zhongtong",
        number=NUMBER,
        callback_url="https://x/webhooks/kuaidi100",
        salt="s",
        phone="1234",
    )
    assert fields["schema"] == "json"
    assert json.loads(fields["param"]) == {
        "company": "zhongtong",
        "number": NUMBER,
        "key": "K",
        "parameters": {
            "callbackurl": "https://x/webhooks/kuaidi100",
            "salt": "s",
            "resultv2": "1",
            "phone": "1234",
        },
    }


@pytest.mark.parametrize("code", ["200", "501"])
def test_subscribed_answers(code: str) -> None:
    parse_subscribe_answer(json.dumps({"result": code == "200", "returnCode": code, "message": ""}).encode())


@pytest.mark.parametrize(
    ("code", "error"),
    [("600", ConfigurationError), ("601", ConfigurationError), ("700", RejectedError), ("701", RejectedError),
     ("702", RejectedError), ("500", RetryableError)],
)  # fmt: skip
def test_subscribe_failures(code: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_subscribe_answer(json.dumps({"result": False, "returnCode": code, "message": "x"}).encode())


@pytest.mark.parametrize("body", [b"<html>", b"[]"])
def test_subscribe_garbage_is_retryable(body: bytes) -> None:
    with pytest.raises(RetryableError):
        parse_subscribe_answer(body)
