"""The SF simulator's gateway and services, driven through `handle_form` (no sockets)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from couriers.sf_express import codes, wire
from couriers.sf_express.signing import msg_digest
from couriers.simulators.common import SimClock, Step, Subscription
from couriers.simulators.sf_express import (
    DEFAULT_CHECK_WORD,
    DEFAULT_MONTHLY_CARD,
    DEFAULT_PARTNER_ID,
    SFExpressSimulator,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 Beijing
PUSH_URL = "http://127.0.0.1:9/webhooks/sf_express/secret"

ORDER: dict[str, Any] = {
    "language": "zh-CN",
    "orderId": "CT0001",
    "monthlyCard": DEFAULT_MONTHLY_CARD,
    "isDocall": 1,
    "sendStartTm": "2026-03-02 11:00:00",
    "cargoDetails": [{"name": "证照"}],
    "contactInfoList": [
        {"contactType": 1, "contact": "大厅", "tel": "057188880000", "address": "解放东路18号"},
        {"contactType": 2, "contact": "张三", "mobile": "13800001234", "address": "中山西路1号"},
    ],
}


@pytest.fixture
def sim() -> SFExpressSimulator:
    return SFExpressSimulator(clock=SimClock(NOW), push_url=PUSH_URL)


def call(sim: SFExpressSimulator, service: str, msg: Mapping[str, Any], **form: str) -> dict[str, Any]:
    fields = wire.build_form(
        partner_id=DEFAULT_PARTNER_ID, check_word=DEFAULT_CHECK_WORD, service_code=service, msg_data=msg
    )
    return sim.handle_form({**fields, **form})


def business(answer: Mapping[str, Any]) -> dict[str, Any]:
    assert answer["apiResultCode"] == "A1000", answer
    result: dict[str, Any] = json.loads(answer["apiResultData"])
    return result


def error_code(answer: Mapping[str, Any]) -> str:
    if answer["apiResultCode"] != "A1000":
        return str(answer["apiResultCode"])
    result = business(answer)
    assert result["success"] is False
    return str(result["errorCode"])


def book(sim: SFExpressSimulator, **changes: Any) -> str:
    result = business(call(sim, wire.CREATE_ORDER, {**ORDER, **changes}))
    assert result["success"] is True, result
    number: str = result["msgData"]["waybillNoInfoList"][0]["waybillNo"]
    return number


# -- gateway ------------------------------------------------------------------------------------------------


def test_missing_envelope_fields(sim: SFExpressSimulator) -> None:
    assert error_code(sim.handle_form({})) == "A1001"
    fields = wire.build_form(
        partner_id=DEFAULT_PARTNER_ID,
        check_word=DEFAULT_CHECK_WORD,
        service_code=wire.CREATE_ORDER,
        msg_data=ORDER,
    )
    del fields["msgDigest"]
    assert error_code(sim.handle_form(fields)) == "A1001"
    assert sim.calls[wire.CREATE_ORDER] == 1
    assert sim.calls["unknown"] == 1


def test_unknown_partner(sim: SFExpressSimulator) -> None:
    assert error_code(call(sim, wire.CREATE_ORDER, ORDER, partnerID="SOMEONE")) == "A1004"


def test_bad_signature(sim: SFExpressSimulator) -> None:
    assert error_code(call(sim, wire.CREATE_ORDER, ORDER, msgDigest="AAAAAAAAAAAAAAAAAAAAAA==")) == "A1006"
    assert not sim.parcels


def test_signature_covers_the_timestamp(sim: SFExpressSimulator) -> None:
    assert error_code(call(sim, wire.CREATE_ORDER, ORDER, timestamp="1")) == "A1006"


def test_repeated_request_id(sim: SFExpressSimulator) -> None:
    fields = wire.build_form(
        partner_id=DEFAULT_PARTNER_ID, check_word=DEFAULT_CHECK_WORD, service_code=wire.SEARCH_ROUTES,
        msg_data={"trackingNumber": ["SF1"]},
    )  # fmt: skip
    assert sim.handle_form(fields)["apiResultCode"] == "A1000"
    assert error_code(sim.handle_form(fields)) == "A1007"


def test_unknown_service(sim: SFExpressSimulator) -> None:
    assert error_code(call(sim, "EXP_RECE_TELEPORT", {})) == "A1004"
    assert sim.calls["EXP_RECE_TELEPORT"] == 1


@pytest.mark.parametrize("msg_data", ["{not json", "[1, 2]"])
def test_msg_data_must_be_a_json_object(sim: SFExpressSimulator, msg_data: str) -> None:
    fields = wire.build_form(
        partner_id=DEFAULT_PARTNER_ID,
        check_word=DEFAULT_CHECK_WORD,
        service_code=wire.CREATE_ORDER,
        msg_data={},
    )
    fields["msgData"] = msg_data
    fields["msgDigest"] = msg_digest(msg_data, fields["timestamp"], DEFAULT_CHECK_WORD)
    assert error_code(sim.handle_form(fields)) == "A1001"


def test_rate_limit(sim: SFExpressSimulator) -> None:
    answers = [call(sim, wire.SEARCH_ROUTES, {"trackingNumber": ["SF1"]}) for _ in range(40)]
    limited = [a for a in answers if a["apiResultCode"] == "A1005"]
    assert limited, "40 calls in well under a second exceed 30/s"
    assert sum(1 for a in answers if a["apiResultCode"] == "A1000") <= 32


@pytest.mark.parametrize(
    "msg",
    [
        {**ORDER, "orderId": 7},
        {**ORDER, "contactInfoList": "nope"},
        {**ORDER, "sendStartTm": "tomorrow"},
    ],
)
def test_bad_input_gets_a1001(sim: SFExpressSimulator, msg: dict[str, Any]) -> None:
    assert error_code(call(sim, wire.CREATE_ORDER, msg)) == "A1001"


# -- services -----------------------------------------------------------------------------------------------


def test_create_and_search_order(sim: SFExpressSimulator) -> None:
    number = book(sim)
    assert number.startswith("SF")
    assert len(number) == 15
    assert sim.subscriptions[number].callback_url == PUSH_URL
    found = business(call(sim, wire.SEARCH_ORDER, {"orderId": "CT0001"}))["msgData"]
    assert found["waybillNoInfoList"][0]["waybillNo"] == number
    assert error_code(call(sim, wire.SEARCH_ORDER, {"orderId": "NOPE"})) == "8018"


def test_without_push_url_nothing_is_pushed() -> None:
    sim = SFExpressSimulator(clock=SimClock(NOW))
    book(sim)
    assert not sim.subscriptions


def test_duplicate_order(sim: SFExpressSimulator) -> None:
    book(sim)
    assert error_code(call(sim, wire.CREATE_ORDER, ORDER)) == codes.DUPLICATE_ORDER
    assert len(sim.parcels) == 1


def test_wrong_monthly_card(sim: SFExpressSimulator) -> None:
    assert error_code(call(sim, wire.CREATE_ORDER, {**ORDER, "monthlyCard": "123"})) == "8119"


@pytest.mark.parametrize(("hour", "accepted"), [(8, False), (9, True), (17, True), (18, False), (23, False)])
def test_pickup_business_hours(sim: SFExpressSimulator, hour: int, accepted: bool) -> None:
    answer = call(sim, wire.CREATE_ORDER, {**ORDER, "sendStartTm": f"2026-03-02 {hour:02d}:30:00"})
    refused = answer["apiResultCode"] == "A1000" and business(answer)["errorCode"] == "8096"
    assert refused is not accepted


def test_no_courier_call_needs_no_time(sim: SFExpressSimulator) -> None:
    order = {k: v for k, v in ORDER.items() if k != "sendStartTm"}
    assert business(call(sim, wire.CREATE_ORDER, {**order, "isDocall": 0}))["success"] is True


def test_cancel(sim: SFExpressSimulator) -> None:
    book(sim)
    assert business(call(sim, wire.UPDATE_ORDER, {"orderId": "CT0001", "dealType": 2}))["success"] is True
    assert error_code(call(sim, wire.UPDATE_ORDER, {"orderId": "CT0001", "dealType": 2})) == "8037"
    assert error_code(call(sim, wire.UPDATE_ORDER, {"orderId": "NOPE", "dealType": 2})) == "8018"
    assert error_code(call(sim, wire.UPDATE_ORDER, {"orderId": "CT0001", "dealType": 1})) == "A1001"


def test_cancel_after_pickup(sim: SFExpressSimulator) -> None:
    book(sim)
    sim.clock.advance(timedelta(hours=2))
    assert error_code(call(sim, wire.UPDATE_ORDER, {"orderId": "CT0001", "dealType": 2})) == "8252"


def test_routes(sim: SFExpressSimulator) -> None:
    number = book(sim)
    sim.clock.advance(timedelta(hours=5))
    msg = {"trackingType": "1", "trackingNumber": [number, "SF9"], "checkPhoneNo": "1234"}
    resps = business(call(sim, wire.SEARCH_ROUTES, msg))["msgData"]["routeResps"]
    assert [r["mailNo"] for r in resps] == [number, "SF9"]
    assert [r["opCode"] for r in resps[0]["routes"]] == ["50", "30"]
    assert resps[0]["routes"][0]["acceptTime"] == "2026-03-02 12:00:00"
    assert resps[1]["routes"] == []


def test_routes_by_order_id_and_comma_string(sim: SFExpressSimulator) -> None:
    number = book(sim)
    sim.clock.advance(timedelta(hours=3))
    msg = {"trackingType": "2", "trackingNumber": "CT0001"}
    [resp] = business(call(sim, wire.SEARCH_ROUTES, msg))["msgData"]["routeResps"]
    assert resp["mailNo"] == number
    assert resp["routes"]


def test_routes_check_the_phone(sim: SFExpressSimulator) -> None:
    number = book(sim)
    sim.clock.advance(timedelta(hours=3))
    for tail, seen in (("1234", True), ("0000", True), ("5555", False)):  # recipient, sender, neither
        msg = {"trackingNumber": [number], "checkPhoneNo": tail}
        [resp] = business(call(sim, wire.SEARCH_ROUTES, msg))["msgData"]["routeResps"]
        assert bool(resp["routes"]) is seen


def test_routes_batch_limit(sim: SFExpressSimulator) -> None:
    assert business(call(sim, wire.SEARCH_ROUTES, {"trackingNumber": [f"SF{i}" for i in range(10)]}))[
        "success"
    ]
    eleven = {"trackingNumber": [f"SF{i}" for i in range(11)]}
    assert error_code(call(sim, wire.SEARCH_ROUTES, eleven)) == "8003"
    assert error_code(call(sim, wire.SEARCH_ROUTES, {"trackingNumber": []})) == "A1001"


# -- life and pushes ----------------------------------------------------------------------------------------


def test_default_script_is_a_real_journey_ending_in_delivery(sim: SFExpressSimulator) -> None:
    script = sim.default_script("CT0001")
    assert script[-1].after <= timedelta(days=7)
    assert codes.status_for(script[0].code).value == "picked_up"
    assert "delivered" in {codes.status_for(s.code).value for s in script}
    assert all(codes.is_known(s.code) for s in script)
    assert [s.after for s in script] == sorted(s.after for s in script)


def test_pushes_carry_at_most_ten_routes(sim: SFExpressSimulator) -> None:
    sim.script_next("CT0001", [Step(timedelta(minutes=i + 1), "31", f"到达 {i}", "杭州") for i in range(13)])
    number = book(sim)
    sim.clock.advance(timedelta(days=1))
    [(sub, push, upto)] = sim.pending_pushes()
    assert (push.url, push.content_type, push.event_count, upto) == (PUSH_URL, "application/json", 10, 10)
    routes = json.loads(push.body)["Body"]["WaybillRoute"]
    assert routes[0]["mailno"] == number
    assert routes[0]["orderid"] == "CT0001"
    assert len({r["id"] for r in routes}) == 10
    sub.pushed = upto
    [(_, rest, upto)] = sim.pending_pushes()
    assert (rest.event_count, upto) == (3, 13)
    assert wire.decode_push(rest.body)[0].description == "到达 10"


def test_encode_push_is_what_the_adapter_reads(sim: SFExpressSimulator) -> None:
    number = book(sim)
    sim.clock.advance(timedelta(days=3))
    parcel = sim.parcels[number]
    push = sim.encode_push(Subscription(number, PUSH_URL), parcel.happened(sim.clock.now()))
    events = wire.decode_push(push.body)
    assert events[-1].raw_code == "8000"
    assert events[0].time == NOW + timedelta(hours=2)


def test_acknowledgement(sim: SFExpressSimulator) -> None:
    assert sim.is_acknowledged(200, b'{"return_code":"0000","return_msg":"\xe6\x88\x90\xe5\x8a\x9f"}')
    assert not sim.is_acknowledged(200, b'{"return_code":"1000","return_msg":"fail"}')
    assert not sim.is_acknowledged(403, b'{"return_code":"0000"}')
