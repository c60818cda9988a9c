"""Kuaidi100 adapter against its simulator over loopback: the shared contract, plus Kuaidi100's own rules."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from couriers.contract import Courier, TrackQuery
from couriers.errors import RejectedError, RetryableError, TrackingNumberPending
from couriers.kuaidi100 import Kuaidi100Courier, QueryLocked, border
from couriers.kuaidi100.border import border_form
from couriers.kuaidi100.push import subscribe_form
from couriers.kuaidi100.query import query_form
from couriers.kuaidi100.signing import push_sign
from couriers.simulators.common import OutboundPush
from couriers.simulators.kuaidi100 import Kuaidi100Simulator
from couriers.status import Status
from couriers.testing import (
    RECIPIENT,
    ContractHarness,
    CourierContract,
    dead_url,
    sample_request,
    serve_simulator,
)
from couriers.testing.fixtures import webhook_receiver
from couriers.testing.receiver import WebhookReceiver

__all__ = ["webhook_receiver"]

SALT = "contract-salt"


def _fields(push: OutboundPush) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(push.body.decode("ascii")).items()}


def _open(push: OutboundPush) -> str:
    """The `param` JSON of a tracking push or an order callback."""
    return _fields(push)["param"]


def _seal(push: OutboundPush, param: str, credential: str | None) -> OutboundPush:
    """The push carrying `param`, signed `UPPER(MD5(param + salt))` — or with `credential` as its sign."""
    fields = {**_fields(push), "param": param, "sign": credential or push_sign(param, SALT)}
    return replace(push, body=urlencode(fields).encode("ascii"))


def _forge(push: OutboundPush) -> OutboundPush:
    fields = _fields(push)
    return _seal(push, fields["param"], push_sign(fields["param"], "not-the-salt"))


@pytest.fixture
async def harness(webhook_receiver: WebhookReceiver) -> AsyncIterator[ContractHarness]:
    simulator = Kuaidi100Simulator()
    async with serve_simulator(simulator) as base_url:
        callback_url = webhook_receiver.url_for("kuaidi100")
        config = simulator.adapter_config(base_url, salt=SALT, callback_url=callback_url)

        def build(overrides: Mapping[str, Any]) -> Courier:
            return Kuaidi100Courier.from_config({**config, **overrides})

        dead = dead_url()
        async with ContractHarness(
            courier=build({}),
            simulator=simulator,
            build=build,
            bad_credentials={"key": "not-our-key"},
            unreachable={
                "query_url": f"{dead}/poll/query.do",
                "poll_url": f"{dead}/poll",
                "border_url": f"{dead}/order/borderapi.do",
            },
            callback_url=callback_url,
            tamper=_forge,
            open_push=_open,
            seal_push=_seal,
        ) as harness:
            yield harness


class TestKuaidi100Contract(CourierContract):
    pass


def _order_id() -> str:
    return f"CT{uuid.uuid4().hex[:16].upper()}"


async def test_a_repeat_query_within_30_minutes_is_answered_from_memory(harness: ContractHarness) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    harness.simulator.clock.advance(timedelta(days=1))
    query = TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:])
    [first] = await harness.courier.track([query])
    [again] = await harness.courier.track([query])
    assert again == first
    assert harness.simulator.calls["query"] == 1


async def test_a_second_replica_hitting_the_lock_gets_an_empty_timeline(harness: ContractHarness) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    query = TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:])
    [first] = await harness.courier.track([query])
    [locked] = await harness.another().track([query])
    assert first.events
    assert locked.events == []
    assert harness.simulator.calls["query"] == 2


async def test_a_waybill_number_assigned_later_is_found_by_booking_again(harness: ContractHarness) -> None:
    simulator = harness.simulator
    assert isinstance(simulator, Kuaidi100Simulator)
    simulator.number_delay = timedelta(minutes=10)
    request = sample_request(_order_id())
    courier = harness.another(breaker_failures=1)
    for _ in range(2):
        with pytest.raises(TrackingNumberPending):
            await courier.book(request)
    assert (simulator.calls["bOrder"], simulator.calls["detail"]) == (2, 2), "no immediate retries"
    simulator.clock.advance(timedelta(minutes=10))
    booking = await courier.book(request)
    [parcel] = simulator.parcels.values()
    assert booking.tracking_number == parcel.tracking_number
    assert booking.raw["taskId"] == parcel.extra["task_id"]


async def test_a_query_whose_answer_was_lost_is_not_asked_again_within_30_minutes(
    harness: ContractHarness,
) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    harness.simulator.faults.lose_answers = 1
    query = TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:])
    config = _config(harness)  # three attempts by default: none of them may be used for a query
    courier = Kuaidi100Courier(config, now=harness.simulator.clock.now)  # the carrier's virtual clock
    harness.built.append(courier)
    with pytest.raises(RetryableError):
        await courier.track([query])
    with pytest.raises(QueryLocked):
        await courier.track([query])
    assert harness.simulator.calls["query"] == 1, "Kuaidi100 saw the number asked once"
    harness.simulator.clock.advance(timedelta(minutes=30))
    [result] = await courier.track([query])
    assert result.events, "30 minutes later the number is asked again, and the lock has expired"


async def test_a_wrong_phone_tail_gives_an_empty_timeline(harness: ContractHarness) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    [result] = await harness.courier.track([TrackQuery(booking.tracking_number, "0000")])
    assert result.events == []


async def test_booking_subscribes_tracking_and_order_callbacks(
    harness: ContractHarness, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.courier = harness.courier
    booking = await harness.courier.book(sample_request(_order_id()))
    assert booking.raw["taskId"]
    assert booking.raw["orderId"]
    harness.simulator.clock.advance(timedelta(hours=3))
    delivered = await harness.simulator.deliver_pushes()
    assert sorted(d.push.url for d in delivered) == [harness.callback_url, harness.callback_url + "/order"]
    assert all(d.acknowledged for d in delivered)
    codes = {e.raw_code for o in webhook_receiver.outcomes for e in o.events}
    assert {"101", "102", "103", "order:10"} <= codes


async def test_cancel_is_pushed_as_an_order_callback(
    harness: ContractHarness, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.courier = harness.courier
    booking = await harness.courier.book(sample_request(_order_id()))
    await harness.courier.cancel(booking)
    await harness.simulator.deliver_pushes()
    statuses = [
        e.status for o in webhook_receiver.outcomes for e in o.events if e.raw_code.startswith("order:")
    ]
    assert statuses == [Status.CANCELLED]


async def test_cancel_after_pickup_is_rejected(harness: ContractHarness) -> None:
    booking = await harness.courier.book(sample_request(_order_id()))
    harness.simulator.clock.advance(timedelta(hours=3))
    with pytest.raises(RejectedError):
        await harness.courier.cancel(booking)


async def test_an_unknown_number_is_aborted_and_the_adapter_asks_to_resubscribe(
    harness: ContractHarness, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.courier = harness.courier
    await harness.courier.subscribe(TrackQuery("78000000000001", "1234"), harness.callback_url)
    assert not await harness.simulator.deliver_pushes()
    harness.simulator.clock.advance(timedelta(days=3))
    [delivered] = await harness.simulator.deliver_pushes()
    assert delivered.acknowledged
    [outcome] = webhook_receiver.outcomes
    assert list(outcome.resubscribe) == ["78000000000001"]
    assert "78000000000001" not in harness.simulator.subscriptions
    await harness.courier.subscribe(TrackQuery("78000000000001", "1234"), harness.callback_url)
    assert "78000000000001" in harness.simulator.subscriptions


# -- the simulator speaks Kuaidi100's protocol ---------------------------------------------------------------


def _config(harness: ContractHarness) -> Any:
    return harness.courier.config  # type: ignore[attr-defined]


async def _post(harness: ContractHarness, url: str, fields: Mapping[str, str]) -> dict[str, Any]:
    async with harness.simulator.client().post(url, data=dict(fields)) as resp:
        assert resp.status == 200
        answer: dict[str, Any] = await resp.json()
    return answer


def _border(harness: ContractHarness, method: str, param: Mapping[str, Any], **over: str) -> dict[str, str]:
    cfg = _config(harness)
    fields = border_form(method, param, key=cfg.key, secret=cfg.secret, t_ms=1_700_000_000_000)
    return {**fields, **over}


async def test_simulator_refuses_bad_query_signatures_and_customers(harness: ContractHarness) -> None:
    cfg = _config(harness)
    good = query_form(customer=cfg.customer, key=cfg.key, com="zhongtong", number="78001", phone="1234")
    bad_sign = await _post(harness, cfg.query_url, {**good, "sign": "0" * 32})
    assert (bad_sign["result"], bad_sign["returnCode"]) == (False, "503")
    stranger = await _post(harness, cfg.query_url, {**good, "customer": "SOMEONE"})
    assert stranger["returnCode"] == "601"
    missing = await _post(harness, cfg.query_url, {"customer": cfg.customer})
    assert missing["returnCode"] == "400"
    unknown = await _post(harness, cfg.query_url, good)
    assert unknown["returnCode"] == "500"


async def test_simulator_locks_a_number_for_30_minutes_and_checks_the_phone(harness: ContractHarness) -> None:
    cfg = _config(harness)
    booking = await harness.courier.book(sample_request(_order_id()))
    form = query_form(customer=cfg.customer, key=cfg.key, com="zhongtong", number=booking.tracking_number)
    assert (await _post(harness, cfg.query_url, form))["returnCode"] == "408"
    form = query_form(
        customer=cfg.customer, key=cfg.key, com="zhongtong", number=booking.tracking_number, phone="1234"
    )
    first = await _post(harness, cfg.query_url, form)
    assert first["nu"] == booking.tracking_number
    assert first["data"][0]["statusCode"] == "101"
    assert (await _post(harness, cfg.query_url, form))["returnCode"] == "500"
    harness.simulator.clock.advance(timedelta(minutes=30))
    later = await _post(harness, cfg.query_url, form)
    assert [d["statusCode"] for d in later["data"]] == ["102", "101"], "newest first"


async def test_simulator_rate_limits_with_502(harness: ContractHarness) -> None:
    simulator = harness.simulator
    assert isinstance(simulator, Kuaidi100Simulator)
    for bucket in simulator.buckets.values():
        bucket.rate = bucket.tokens = 2
    cfg = _config(harness)
    form = query_form(customer=cfg.customer, key=cfg.key, com="zhongtong", number="78001", phone="1234")
    answers = [(await _post(harness, cfg.query_url, form))["returnCode"] for _ in range(3)]
    assert answers == ["500", "500", "502"]
    border = [
        (await _post(harness, cfg.border_url, _border(harness, "detail", {})))["returnCode"] for _ in range(3)
    ]
    assert border[-1] == "502"


CB = {"callbackurl": "http://x/y"}


@pytest.mark.parametrize(
    ("param", "code"),
    [
        ({"company": "zhongtong", "number": "78001", "key": "nope", "parameters": CB}, "600"),
        ({"company": "zhongtong", "number": "", "key": None, "parameters": CB}, "700"),
        (
            {
                "company": "zhongtong",
                "number": "78001",
                "key": None,
                "parameters": {"callbackurl": "nowhere"},
            },
            "700",
        ),
        ({"company": "zhongtong", "number": "78001", "key": None, "parameters": None}, "700"),
        ({"company": "marsexpress", "number": "78001", "key": None, "parameters": CB}, "701"),
    ],
)
async def test_simulator_subscribe_errors(harness: ContractHarness, param: dict[str, Any], code: str) -> None:
    cfg = _config(harness)
    param = {**param, "key": param["key"] or cfg.key}
    answer = await _post(harness, cfg.poll_url, {"schema": "json", "param": json.dumps(param)})
    assert answer["returnCode"] == code


async def test_simulator_answers_repeated_subscriptions_with_501(harness: ContractHarness) -> None:
    cfg = _config(harness)
    form = subscribe_form(key=cfg.key, com="zhongtong", number="78009", callback_url="http://x/y", salt="s")
    assert (await _post(harness, cfg.poll_url, form))["returnCode"] == "200"
    assert (await _post(harness, cfg.poll_url, form))["returnCode"] == "501"


async def test_simulator_border_envelope_errors(harness: ContractHarness) -> None:
    cfg = _config(harness)
    assert (await _post(harness, cfg.border_url, _border(harness, "detail", {}, sign="0")))[
        "returnCode"
    ] == "503"
    assert (await _post(harness, cfg.border_url, _border(harness, "detail", {}, key="x")))[
        "returnCode"
    ] == "601"
    assert (await _post(harness, cfg.border_url, _border(harness, "fly", {})))["returnCode"] == "400"
    assert (await _post(harness, cfg.border_url, {"method": "bOrder"}))["returnCode"] == "400"
    assert (await _post(harness, cfg.border_url, _border(harness, "cancel", {"taskId": "T"})))[
        "returnCode"
    ] == "400"
    async with harness.simulator.client().post(cfg.border_url, data=b"\x00garbage") as resp:
        assert resp.status == 200
        assert (await resp.json())["result"] is False
    assert not harness.simulator.parcels


async def test_simulator_requires_pickup_times_for_sf(harness: ContractHarness) -> None:
    cfg = _config(harness)
    param = border.order_param(
        sample_request(_order_id()),
        com="shunfeng",
        salt="s",
        callback_url="http://x/y",
        now=datetime.now(UTC),
    )
    answer = await _post(
        harness, cfg.border_url, _border(harness, "bOrder", {**param, "pickupStartTime": ""})
    )
    assert answer["returnCode"] == "400"
    answer = await _post(harness, cfg.border_url, _border(harness, "bOrder", param))
    assert answer["data"]["kuaidinum"].startswith("SF")


async def test_simulator_books_again_after_the_48_hour_window(harness: ContractHarness) -> None:
    request = sample_request(_order_id())
    first = await harness.courier.book(request)
    harness.simulator.clock.advance(timedelta(hours=47))
    assert (await harness.another().book(request)).tracking_number == first.tracking_number
    harness.simulator.clock.advance(timedelta(hours=2))
    assert (await harness.courier.book(request)).tracking_number != first.tracking_number


async def test_tracking_pushes_carry_the_whole_timeline_so_far(harness: ContractHarness) -> None:
    await harness.courier.book(sample_request(_order_id()))
    for hours, expected, status in [(3, 3, "polling"), (3 * 24, 10, "shutdown")]:
        harness.simulator.clock.advance(timedelta(hours=hours))
        pending = harness.simulator.pending_pushes()
        [push] = [p for _, p, _ in pending if not p.url.endswith("/order")]
        param = json.loads(parse_qs(push.body.decode("ascii"))["param"][0])
        assert param["status"] == status
        assert len(param["lastResult"]["data"]) == expected
        for sub, _, upto in pending:
            sub.pushed = upto  # as if acknowledged
