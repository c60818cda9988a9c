"""`EMSCourier.parse_push`: genuine pushes become events and the exact ack; forged ones 401/403; junk 400."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from couriers.contract import InboundPush
from couriers.ems import EMSCourier, payload, wire
from couriers.errors import PushRejected
from couriers.status import Status

KEY = "TvaBgrhE46sft3nZlfe7xw=="
OTHER_KEY = "WjNoNmhXWE12SFZJdk0zWQ=="
SENDER = "1100000000001"
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def trace(code: str, at: str, desc: str) -> dict[str, str]:
    return {"waybillNo": "1100000000099", "opTime": at, "opCode": code, "opDesc": desc, "opOrgCity": "北京市"}


@pytest.fixture
def courier() -> EMSCourier:
    return EMSCourier.from_config({"sender_no": SENDER, "authorization": "auth", "sign_key": KEY})


def push_of(*traces: dict[str, str], key: str = KEY, sender: str = SENDER) -> InboundPush:
    body = wire.encode_push(list(traces), sender_no=sender, sign_key=key, serial_no="SER1", now=NOW)
    return InboundPush(
        path_tail="", headers={"Content-Type": "application/json"}, body=body, content_type="application/json"
    )


def test_a_genuine_push(courier: EMSCourier) -> None:
    outcome = courier.parse_push(push_of(trace("208", "2026-03-02 12:00:00", "已妥投")))
    [event] = outcome.events
    assert event.tracking_number == "1100000000099"
    assert event.time == NOW
    assert event.status is Status.DELIVERED
    assert event.raw_code == "208"
    ack = json.loads(outcome.ack_body)
    assert ack["serialNo"] == "SER1"
    assert ack["code"] == "00000"
    assert ack["senderNo"] == SENDER
    assert outcome.ack_status == 200
    assert outcome.ack_content_type == "application/json"


def test_a_push_of_several_traces(courier: EMSCourier) -> None:
    outcome = courier.parse_push(
        push_of(
            trace("207", "2026-03-02 09:00:00", "安排投递"), trace("208", "2026-03-02 12:00:00", "已妥投")
        )
    )
    assert [e.status for e in outcome.events] == [Status.OUT_FOR_DELIVERY, Status.DELIVERED]


def test_a_push_without_sender_no_is_still_authenticated_by_the_key(courier: EMSCourier) -> None:
    outcome = courier.parse_push(push_of(trace("203", "2026-03-02 09:00:00", "已收寄"), sender=""))
    assert outcome.events[0].status is Status.PICKED_UP


def test_a_push_sealed_with_another_key_is_401(courier: EMSCourier) -> None:
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(push_of(trace("208", "2026-03-02 12:00:00", "已妥投"), key=OTHER_KEY))
    assert caught.value.status == 401


def test_a_tampered_ciphertext_is_401(courier: EMSCourier) -> None:
    genuine = push_of(trace("208", "2026-03-02 12:00:00", "已妥投"))
    outer = json.loads(genuine.body)
    raw = bytearray(base64.b64decode(outer["logitcsInterface"][4:]))
    raw[5] ^= 0x40
    outer["logitcsInterface"] = "|$4|" + base64.b64encode(bytes(raw)).decode()
    forged = InboundPush("", genuine.headers, json.dumps(outer).encode(), "application/json")
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(forged)
    assert caught.value.status == 401


def test_a_push_for_another_customer_is_403(courier: EMSCourier) -> None:
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(push_of(trace("208", "2026-03-02 12:00:00", "已妥投"), sender="9999"))
    assert caught.value.status == 403


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b'{"serialNo":"1"}', b'{"logitcsInterface":"abc"}']
)
def test_malformed_bodies_are_400(courier: EMSCourier, body: bytes) -> None:
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(InboundPush("", {}, body, "application/json"))
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "inner", [{"hello": "world"}, [{"opCode": "208"}], {"opTime": "never", "opCode": "208"}]
)
def test_an_authentic_push_without_usable_traces_is_400(courier: EMSCourier, inner: object) -> None:
    body = json.dumps({"logitcsInterface": payload.encode(inner, KEY), "senderNo": SENDER, "serialNo": "1"})
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(InboundPush("", {}, body.encode(), "application/json"))
    assert caught.value.status == 400


def test_refusals_never_show_the_key(courier: EMSCourier) -> None:
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(push_of(trace("208", "2026-03-02 12:00:00", "已妥投"), key=OTHER_KEY))
    assert KEY not in str(caught.value)
    assert OTHER_KEY not in str(caught.value)


def sealed(inner_text: str) -> InboundPush:
    """An authentic push (encrypted with our key) whose decrypted payload is exactly `inner_text`."""
    token = payload.encrypt(inner_text, KEY)
    body = json.dumps({"logitcsInterface": token, "senderNo": SENDER, "serialNo": "1"})
    return InboundPush("", {}, body.encode(), "application/json")


@pytest.mark.parametrize(
    "op_time",
    ["1e999", "-1e999", "1" + "0" * 400, "9" * 300, '"' + "9" * 400 + '"', "1e300", '"0001-01-01T00:00:00"',
     '"9999-12-31T23:59:59-10:00"', "NaN"],
)  # fmt: skip
def test_epoch_milliseconds_no_datetime_can_hold_are_400(courier: EMSCourier, op_time: str) -> None:
    inner = f'{{"waybillNo":"1100000000099","opCode":"208","opTime":{op_time}}}'
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(sealed(inner))
    assert caught.value.status == 400


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"logitcsInterface":' * 50_000, b"\xff\xfe\x00"])
def test_deep_or_undecodable_outer_bodies_are_400(courier: EMSCourier, body: bytes) -> None:
    with pytest.raises(PushRejected) as caught:
        courier.parse_push(InboundPush("", {}, body, "application/json"))
    assert caught.value.status == 400


def test_a_deeply_nested_payload_is_refused_not_a_crash(courier: EMSCourier) -> None:
    with pytest.raises(PushRejected):
        courier.parse_push(sealed("[" * 100_000))
