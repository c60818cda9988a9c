"""The EMS wire format: request form, answer envelope, Beijing times and tolerant trace parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from couriers.ems import codes, payload, wire
from couriers.status import Status

KEY = "TvaBgrhE46sft3nZlfe7xw=="
NOON_UTC = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def test_request_form_fields() -> None:
    form = wire.request_form(
        "040001",
        {"waybillNo": "1100000000001"},
        sender_no="S1",
        authorization="AUTH",
        sign_key=KEY,
        now=NOON_UTC,
    )
    assert form == {
        "senderNo": "S1",
        "apiCode": "040001",
        "authorization": "AUTH",
        "msgType": "0",
        "timeStamp": "2026-03-02 12:00:00",
        "logitcsInterface": payload.encode({"waybillNo": "1100000000001"}, KEY),
    }


def test_beijing_times_both_ways() -> None:
    assert wire.format_beijing(NOON_UTC) == "2026-03-02 12:00:00"
    assert wire.parse_beijing("2026-03-02 12:00:00") == NOON_UTC
    assert wire.parse_beijing("2026-03-02T12:00:00.000") == NOON_UTC
    assert wire.parse_beijing("2026-03-02 04:00:00+00:00") == NOON_UTC
    assert wire.parse_beijing(int(NOON_UTC.timestamp() * 1000)) == NOON_UTC
    assert wire.parse_beijing(str(int(NOON_UTC.timestamp() * 1000))) == NOON_UTC
    assert wire.parse_beijing("2026/03/02 12:00:00") == NOON_UTC


@pytest.mark.parametrize(
    "value",
    [None, "", "yesterday", True, {}, float("inf"), float("nan"), 10**400, 10**20, -(10**20), "9" * 30,
     "0001-01-01T00:00:00", "9999-12-31T23:59:59-10:00"],
)  # fmt: skip
def test_bad_times(value: object) -> None:
    with pytest.raises(ValueError, match="not an EMS time"):
        wire.parse_beijing(value)


def test_naive_datetimes_are_not_written() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        wire.format_beijing(datetime(2026, 3, 2, 12))


def test_envelope_with_json_string_body() -> None:
    raw = {"success": True, "retCode": "00000", "retMsg": "成功", "retBody": '{"waybillNo":"1100000000001"}'}
    env = wire.parse_envelope(json.dumps(raw, ensure_ascii=False).encode())
    assert env.ok
    assert env.body == {"waybillNo": "1100000000001"}


def test_envelope_body_may_be_an_object_or_a_plain_string() -> None:
    env = wire.parse_envelope(b'{"success":"true","retCode":"00000","retBody":{"waybillNo":"1"}}')
    assert env.ok
    assert env.body == {"waybillNo": "1"}
    env = wire.parse_envelope(b'{"success":true,"retCode":"00000","retBody":"https://x/1.pdf"}')
    assert env.body == "https://x/1.pdf"


def test_failure_envelope() -> None:
    env = wire.parse_envelope(b'{"success":false,"retCode":"B00003","retMsg":"bad"}')
    assert not env.ok
    assert env.ret_code == "B00003"
    assert env.ret_msg == "bad"


def test_success_without_retcode() -> None:
    assert wire.parse_envelope(b'{"success":true}').ok
    assert not wire.parse_envelope(b'{"retCode":"S00001"}').ok


@pytest.mark.parametrize("body", [b"<html>busy</html>", b"[]", b'{"foo":1}', b"\xff"])
def test_not_an_envelope(body: bytes) -> None:
    with pytest.raises(ValueError, match="answer"):
        wire.parse_envelope(body)


def test_encoded_envelope_reads_back() -> None:
    data = wire.encode_envelope(codes.RET_DUPLICATE_ORDER, {"waybillNo": "1"}, now=NOON_UTC)
    raw = json.loads(data)
    assert isinstance(raw["retBody"], str)
    env = wire.parse_envelope(data)
    assert (env.success, env.ret_code, env.body) == (False, "B00002", {"waybillNo": "1"})


TRACE = {
    "waybillNo": "1100000000001",
    "opTime": "2026-03-02 12:00:00",
    "opCode": "208",
    "opName": "妥投",
    "opDesc": "已妥投，签收人：本人",
    "opOrgCity": "北京市",
    "opOrgName": "北京市朝阳区揽投部",
}


def test_trace_event() -> None:
    event = wire.trace_event(TRACE)
    assert event.tracking_number == "1100000000001"
    assert event.time == NOON_UTC
    assert (event.status, event.raw_code, event.description, event.location) == (
        Status.DELIVERED,
        "208",
        "已妥投，签收人：本人",
        "北京市",
    )


def test_trace_event_tolerates_other_field_names() -> None:
    event = wire.trace_event(
        {"mailNo": "1", "time": "2026-03-02 12:00:00", "code": "207", "desc": "安排投递"}
    )
    assert (event.tracking_number, event.status, event.description) == (
        "1",
        Status.OUT_FOR_DELIVERY,
        "安排投递",
    )
    # Missing number: the one asked for; missing description: the op name.
    event = wire.trace_event({"opTime": "2026-03-02 12:00:00", "opCode": "203"}, "2")
    assert (event.tracking_number, event.description) == ("2", "收寄")


@pytest.mark.parametrize("item", [[], "x", {"opCode": "208"}, {"opTime": "2026-03-02 12:00:00"}])
def test_unusable_traces(item: object) -> None:
    with pytest.raises(ValueError, match=r"trace|EMS time"):
        wire.trace_event(item)


@pytest.mark.parametrize(
    "body",
    [
        [TRACE],
        TRACE,
        {"responseItems": [TRACE]},
        {"traces": [TRACE]},
        {"waybillNo": "1", "responseItems": [TRACE]},
    ],
)
def test_trace_items_shapes(body: object) -> None:
    assert wire.trace_items(body) == [TRACE]


def test_trace_items_empty() -> None:
    assert wire.trace_items(None) == []
    assert wire.trace_items({"waybillNo": "1"}) == []
    with pytest.raises(ValueError, match="traces"):
        wire.trace_items(42)


def test_push_round_trip() -> None:
    body = wire.encode_push([TRACE], sender_no="S1", sign_key=KEY, serial_no="ABC", now=NOON_UTC)
    outer = json.loads(body)
    assert outer["method"] == "040002"
    assert outer["senderNo"] == "S1"
    assert outer["serialNo"] == "ABC"
    assert payload.decode(outer["logitcsInterface"], KEY) == TRACE  # one trace: an object
    envelope = wire.read_push(body, "application/json")
    assert (envelope.serial_no, envelope.sender_no, envelope.method) == ("ABC", "S1", "040002")
    two = wire.encode_push([TRACE, TRACE], sender_no="S1", sign_key=KEY, serial_no="ABC", now=NOON_UTC)
    assert payload.decode(json.loads(two)["logitcsInterface"], KEY) == [TRACE, TRACE]


def test_form_encoded_push_is_read_too() -> None:
    token = payload.encode(TRACE, KEY)
    from urllib.parse import urlencode

    body = urlencode({"logitcsInterface": token, "serialNo": "X", "senderNo": "S1"}).encode()
    envelope = wire.read_push(body, "application/x-www-form-urlencoded")
    assert (envelope.token, envelope.serial_no) == (token, "X")


@pytest.mark.parametrize(
    "body", [b"", b"[]", b"{}", b'{"logitcsInterface":"plain"}', b"\xff\xfe", b"{broken"]
)
def test_not_a_push(body: bytes) -> None:
    with pytest.raises(ValueError, match="push"):
        wire.read_push(body, "application/json")


def test_push_ack() -> None:
    ack = json.loads(wire.push_ack("ABC", "S1"))
    assert ack["serialNo"] == "ABC"
    assert ack["code"] == "00000"
    assert ack["senderNo"] == "S1"
    assert ack["success"] is True
    assert ack["retCode"] == "00000"
