"""EMS against its simulator over loopback: the contract kit, plus what is particular to EMS."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from couriers.contract import Booking, TrackQuery
from couriers.ems import EMSCourier, codes, payload, wire
from couriers.ems.config import TEST_AUTHORIZATION, TEST_SENDER_NO, TEST_SIGN_KEY
from couriers.errors import ConfigurationError, RejectedError, RetryableError
from couriers.simulators import load_simulator
from couriers.simulators.common import OutboundPush, SimClock, Step
from couriers.simulators.ems import PATHS, EMSSimulator
from couriers.status import Status
from couriers.testing import (
    ContractHarness,
    CourierContract,
    dead_url,
    sample_request,
    serve_simulator,
)
from couriers.testing.fixtures import webhook_receiver
from couriers.testing.receiver import WebhookReceiver

__all__ = ["webhook_receiver"]

OTHER_SIGN_KEY = "WjNoNmhXWE12SFZJdk0zWQ=="


def _forge(push: OutboundPush) -> OutboundPush:
    """The same push re-encrypted by someone without our sign key."""
    return _seal(push, _open(push), None, sign_key=OTHER_SIGN_KEY)


def _open(push: OutboundPush) -> str:
    """The decrypted payload of a genuine push."""
    return payload.decrypt(json.loads(push.body)["logitcsInterface"], TEST_SIGN_KEY)


def _seal(
    push: OutboundPush, text: str, credential: str | None, *, sign_key: str = TEST_SIGN_KEY
) -> OutboundPush:
    """The push carrying `text` encrypted with `sign_key` (EMS's authentication), or with `credential` in
    place of the ciphertext after the `|$4|` tag."""
    outer = json.loads(push.body)
    sealed = payload.encrypt(text, sign_key)
    outer["logitcsInterface"] = sealed if credential is None else payload.PREFIX + credential
    return dataclasses.replace(push, body=payload.dumps(outer).encode())


@pytest.fixture
async def simulator() -> EMSSimulator:
    return EMSSimulator(clock=SimClock())


@pytest.fixture
async def harness(
    simulator: EMSSimulator, webhook_receiver: WebhookReceiver
) -> AsyncIterator[ContractHarness]:
    async with serve_simulator(simulator) as base_url:
        base = {**simulator.adapter_config(base_url), "timeout_seconds": 5}

        def build(overrides: Mapping[str, Any]) -> EMSCourier:
            return EMSCourier.from_config({**base, **overrides})

        async with ContractHarness(
            courier=build({}),
            simulator=simulator,
            build=build,
            bad_credentials={"sign_key": OTHER_SIGN_KEY},
            unreachable={"base_url": f"{dead_url()}{PATHS[1]}"},
            callback_url=webhook_receiver.url_for("ems"),
            tamper=_forge,
            open_push=_open,
            seal_push=_seal,
        ) as harness:
            yield harness


class TestEMSContract(CourierContract):
    pass


# -- EMS specifics ------------------------------------------------------------------------------------------


def _order_id() -> str:
    return f"EMS{uuid.uuid4().hex[:12].upper()}"


async def _raw_call(h: ContractHarness, api_code: str, body: Any, **form: str) -> wire.Envelope:
    courier = h.courier
    assert isinstance(courier, EMSCourier)
    fields = wire.request_form(
        api_code,
        body,
        sender_no=TEST_SENDER_NO,
        authorization=TEST_AUTHORIZATION,
        sign_key=TEST_SIGN_KEY,
        now=h.simulator.clock.now(),
    )
    fields.update(form)
    async with aiohttp.ClientSession() as session, session.post(courier.config.base_url, data=fields) as resp:
        assert resp.status == 200
        return wire.parse_envelope(await resp.read())


def test_the_simulator_is_registered() -> None:
    assert load_simulator("ems") is EMSSimulator


def test_the_default_simulator_accepts_the_documented_test_credentials() -> None:
    config = EMSSimulator().adapter_config("http://127.0.0.1:8089")
    assert config == {
        "base_url": "http://127.0.0.1:8089/amp-prod-api/f/amp/api/test",
        "sender_no": TEST_SENDER_NO,
        "authorization": TEST_AUTHORIZATION,
        "sign_key": TEST_SIGN_KEY,
    }
    assert EMSCourier.from_config(config).config.sign_key == TEST_SIGN_KEY


async def test_a_fresh_adapter_gets_the_duplicate_answer_with_the_waybill(harness: ContractHarness) -> None:
    request = sample_request(_order_id())
    first = await harness.courier.book(request)
    again = await harness.another().book(request)
    assert again == Booking(
        request.order_id,
        first.tracking_number,
        "ems",
        {
            "waybillNo": first.tracking_number,
            "logisticsOrderNo": request.order_id,
            "retCode": codes.RET_DUPLICATE_ORDER,
            "duplicate": True,
        },
    )
    assert harness.simulator.calls["create_order"] == 2


async def test_the_order_carries_the_pickup_window_in_beijing_time(harness: ContractHarness) -> None:
    request = sample_request(_order_id())
    booking = await harness.courier.book(request)
    order = harness.simulator.parcels[booking.tracking_number].request
    assert order["pickupPreBeginTime"] == wire.format_beijing(request.window_start)
    assert order["pickupPreEndTime"] == wire.format_beijing(request.window_end)
    assert order["sender"]["phone"] == "057187654321"  # a landline is not a mobile
    assert order["receiver"]["mobile"] == "13812341234"
    assert order["contentsAttribute"] == 1
    assert order["bizProductNo"] == "1"


async def test_an_inverted_pickup_window_is_rejected(harness: ContractHarness) -> None:
    request = sample_request(_order_id())
    inverted = dataclasses.replace(request, window_end=request.window_start - timedelta(hours=1))
    with pytest.raises(RejectedError) as caught:
        await harness.courier.book(inverted)
    assert caught.value.raw_code == codes.RET_BAD_PICKUP_WINDOW


async def test_cancel_after_pickup_is_rejected(harness: ContractHarness) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    harness.simulator.clock.advance(timedelta(hours=3))
    with pytest.raises(RejectedError) as caught:
        await harness.courier.cancel(booking)
    assert caught.value.raw_code == codes.RET_ALREADY_PICKED_UP


async def test_tracking_an_unknown_number_is_an_empty_timeline(harness: ContractHarness) -> None:
    [result] = await harness.courier.track([TrackQuery("1100000000000")])
    assert result.events == []


async def test_the_default_journey_is_scanned_in_the_cities_of_the_order(harness: ContractHarness) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    harness.simulator.clock.advance(timedelta(days=3))
    [result] = await harness.courier.track([TrackQuery(booking.tracking_number)])
    assert [e.raw_code for e in result.events] == [
        "203",
        "204",
        "205",
        "204",
        "205",
        "204",
        "206",
        "207",
        "208",
    ]
    assert result.events[0].location == "杭州市"
    assert result.events[-1].location == "北京市"
    assert "杭州市上城区揽投部" in result.events[0].description
    assert result.events[-1].status is Status.DELIVERED


async def test_a_scripted_failed_attempt_and_locker(harness: ContractHarness) -> None:
    order_id = _order_id()
    harness.simulator.script_next(
        order_id,
        [
            Step(timedelta(hours=1), "203", "已收寄"),
            Step(timedelta(hours=20), "209", "未妥投，收件人不在"),
            Step(timedelta(hours=30), "211", "已投递至代收点"),
            Step(timedelta(hours=40), "208", "已妥投"),
        ],
    )
    booking = await harness.courier.book(sample_request(order_id))
    harness.simulator.clock.advance(timedelta(days=2))
    [result] = await harness.courier.track([TrackQuery(booking.tracking_number)])
    assert [e.status for e in result.events] == [
        Status.PICKED_UP,
        Status.DELIVERY_FAILED,
        Status.AVAILABLE_FOR_PICKUP,
        Status.DELIVERED,
    ]


async def test_the_simulator_answers_one_number_per_tracking_call(harness: ContractHarness) -> None:
    answer = await _raw_call(harness, codes.API_TRACK, {"waybillNo": ["1", "2"]})
    assert (answer.success, answer.ret_code) == (False, codes.RET_TOO_MANY_WAYBILLS)
    answer = await _raw_call(harness, codes.API_TRACK, {"waybillNo": "1,2"})
    assert answer.ret_code == codes.RET_TOO_MANY_WAYBILLS


@pytest.mark.parametrize(
    ("form", "ret_code"),
    [
        ({"senderNo": "9999"}, codes.RET_UNKNOWN_SENDER),
        ({"authorization": "wrong"}, codes.RET_BAD_AUTHORIZATION),
        ({"apiCode": "990001"}, codes.RET_ACCESS_DENIED),
        ({"timeStamp": "2026/03/02"}, codes.RET_BAD_PARAMS),
        ({"logitcsInterface": "|$4|garbage"}, codes.RET_BAD_PAYLOAD),
        ({"logitcsInterface": ""}, codes.RET_BAD_PARAMS),
    ],
)
async def test_the_simulator_checks_the_envelope(
    harness: ContractHarness, form: dict[str, str], ret_code: str
) -> None:
    answer = await _raw_call(harness, codes.API_TRACK, {"waybillNo": "1100000000000"}, **form)
    assert (answer.success, answer.ret_code) == (False, ret_code)


async def test_the_simulator_answers_garbage_with_its_own_code(harness: ContractHarness) -> None:
    courier = harness.courier
    assert isinstance(courier, EMSCourier)
    async with (
        aiohttp.ClientSession() as session,
        session.post(courier.config.base_url, data=b"\xff\x00not a form") as resp,
    ):
        assert resp.status == 200
        assert wire.parse_envelope(await resp.read()).ret_code == codes.RET_BAD_PARAMS


async def test_the_simulator_enforces_its_rate_limit(harness: ContractHarness) -> None:
    limited = harness.simulator
    assert isinstance(limited, EMSSimulator)
    limited._bucket.rate = 0.001
    limited._bucket.tokens = 0
    answer = await _raw_call(harness, codes.API_TRACK, {"waybillNo": "1100000000000"})
    assert answer.ret_code == codes.RET_RATE_LIMITED
    with pytest.raises(RetryableError) as caught:
        await harness.another(attempts=1).track([TrackQuery("1100000000000")])
    assert caught.value.raw_code == codes.RET_RATE_LIMITED


async def test_a_wrong_authorization_is_a_configuration_error(harness: ContractHarness) -> None:
    with pytest.raises(ConfigurationError) as caught:
        await harness.another(authorization="wrong").track([TrackQuery("1100000000000")])
    assert caught.value.raw_code == codes.RET_BAD_AUTHORIZATION
    assert "wrong" not in str(caught.value)


async def test_pushes_to_the_configured_push_url(webhook_receiver: WebhookReceiver) -> None:
    sim = EMSSimulator(clock=SimClock(), push_url=webhook_receiver.url_for("ems"))
    async with serve_simulator(sim) as base_url:
        courier = EMSCourier.from_config(sim.adapter_config(f"{base_url}/"))
        webhook_receiver.courier = courier
        try:
            booking = await courier.book(sample_request(_order_id()))
            sim.clock.advance(timedelta(hours=3))
            [first] = await sim.deliver_pushes()
            assert first.acknowledged
            assert first.push.event_count == 1
            sim.clock.advance(timedelta(days=7))
            [rest] = await sim.deliver_pushes()
            assert rest.acknowledged
            assert rest.push.event_count == 8
            events = [e for o in webhook_receiver.outcomes for e in o.events]
            assert next(e.raw_code for e in events) == "203"
            assert {e.tracking_number for e in events} == {booking.tracking_number}
            ack = json.loads(first.body)
            assert ack["code"] == codes.RET_OK
            assert ack["serialNo"]
        finally:
            await courier.close()
