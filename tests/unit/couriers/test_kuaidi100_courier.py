"""Adapter rules that need no carrier: capabilities, the 30-minute query rule, booking preconditions.

`FakeKuaidi100` replaces only HTTP: the real transport policy (retries, breaker) runs, so these tests see
exactly how many requests would reach Kuaidi100.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from couriers.contract import Booking, TrackQuery
from couriers.errors import ConfigurationError, RejectedError, RetryableError, TrackingNumberPending
from couriers.kuaidi100 import MIN_QUERY_INTERVAL, Kuaidi100Config, Kuaidi100Courier, QueryLocked
from couriers.transport import CarrierTransport, Response, TransportPolicy

if TYPE_CHECKING:
    from conftest import RequestFactory, VirtualClock

CONFIG = {
    "customer": "C",
    "key": "K",
    "secret": "S",
    "salt": "salt",
    "query_url": "http://k100.invalid/poll/query.do",
    "poll_url": "http://k100.invalid/poll",
    "border_url": "http://k100.invalid/order/borderapi.do",
}
CALLBACK = "https://c.example/webhooks/kuaidi100"

Reply = Callable[[Mapping[str, str]], Mapping[str, Any]]


def timeline(form: Mapping[str, str]) -> Mapping[str, Any]:
    """A one-event answer for whichever number was asked."""
    number = json.loads(form["param"])["num"]
    item = {"time": "2026-03-02 10:00:00", "context": "到达", "status": "在途", "statusCode": "0"}
    return {"message": "ok", "nu": number, "state": "0", "status": "200", "data": [item]}


def timeout(_form: Mapping[str, str]) -> Mapping[str, Any]:
    raise RetryableError("kuaidi100 did not answer query in time", carrier="kuaidi100")


class FakeKuaidi100(CarrierTransport):
    """Answers each operation from a script (default: `defaults`) and records every request sent."""

    def __init__(self, *, attempts: int = 3, breaker_failures: int = 5) -> None:
        policy = TransportPolicy(
            attempts=attempts, backoff_initial=0.001, backoff_max=0.01, breaker_failures=breaker_failures
        )
        self.seconds = 0.0  # the breaker's monotonic clock
        super().__init__("kuaidi100", policy, clock=lambda: self.seconds)
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.script: dict[str, list[Reply]] = {}
        self.defaults: dict[str, Reply] = {"query": timeline}

    async def post(
        self, url: str, *, operation: str, data: Mapping[str, str] | None = None, **_: Any
    ) -> Response:
        assert data is not None
        self.sent.append((operation, dict(data)))
        queue = self.script.get(operation)
        reply = queue.pop(0) if queue else self.defaults[operation]
        return Response(200, json.dumps(reply(data), ensure_ascii=False).encode())

    def numbers_asked(self) -> list[str]:
        return [json.loads(form["param"])["num"] for op, form in self.sent if op == "query"]

    def methods(self) -> list[str]:
        return [form["method"] for op, form in self.sent if op != "query"]


def make(clock: VirtualClock, transport: FakeKuaidi100 | None = None, **config: str) -> Kuaidi100Courier:
    cfg = Kuaidi100Config.from_mapping({**CONFIG, **config})
    return Kuaidi100Courier(cfg, transport=transport or FakeKuaidi100(), now=clock)


def test_capabilities() -> None:
    caps = Kuaidi100Courier.capabilities
    assert (caps.push, caps.cancel, caps.track_batch_size) == (True, True, 1)
    assert caps.min_query_interval == timedelta(minutes=30) == MIN_QUERY_INTERVAL
    assert caps.rate_limit_per_second == 10
    assert (Kuaidi100Courier.code, Kuaidi100Courier.name) == ("kuaidi100", "快递100")


async def test_one_query_per_number_and_none_again_within_30_minutes(clock: VirtualClock) -> None:
    transport = FakeKuaidi100()
    courier = make(clock, transport)
    a, b = TrackQuery("78001"), TrackQuery("78002")
    first = await courier.track([a, b, a])
    assert transport.numbers_asked() == ["78001", "78002"]
    assert first[0] == first[2]
    clock.advance(minutes=29)
    again = await courier.track([b, a])
    assert transport.numbers_asked() == ["78001", "78002"]
    assert again == [first[1], first[0]]
    clock.advance(minutes=1)
    await courier.track([a])
    assert transport.numbers_asked() == ["78001", "78002", "78001"]
    await courier.close()


async def test_a_failed_query_is_sent_once_never_retried(clock: VirtualClock) -> None:
    transport = FakeKuaidi100(attempts=3)
    transport.script["query"] = [timeout]
    courier = make(clock, transport)
    with pytest.raises(RetryableError):
        await courier.track([TrackQuery("78001")])
    assert transport.numbers_asked() == ["78001"], "a retry would be a second query within 30 minutes"
    await courier.close()


async def test_a_lost_answer_still_counts_as_asked(clock: VirtualClock) -> None:
    transport = FakeKuaidi100()
    transport.script["query"] = [timeout]
    courier = make(clock, transport)
    with pytest.raises(RetryableError):
        await courier.track([TrackQuery("78001")])
    clock.advance(minutes=29, seconds=59)
    with pytest.raises(QueryLocked, match="30 minutes") as info:
        await courier.track([TrackQuery("78001")])
    assert info.value.raw_code == "QUERY_LOCKED"
    assert isinstance(info.value, RetryableError)
    assert transport.numbers_asked() == ["78001"], "refused without calling Kuaidi100"
    clock.advance(seconds=1)
    [result] = await courier.track([TrackQuery("78001")])
    assert result.events
    assert transport.numbers_asked() == ["78001", "78001"]
    await courier.close()


async def test_a_locked_number_does_not_hold_back_the_others(clock: VirtualClock) -> None:
    transport = FakeKuaidi100()
    transport.script["query"] = [timeout]
    courier = make(clock, transport)
    with pytest.raises(RetryableError):
        await courier.track([TrackQuery("78001")])
    with pytest.raises(QueryLocked):
        await courier.track([TrackQuery("78001"), TrackQuery("78002")])
    assert transport.numbers_asked() == ["78001", "78002"]
    with pytest.raises(QueryLocked):
        await courier.track([TrackQuery("78001"), TrackQuery("78002")])
    assert transport.numbers_asked() == ["78001", "78002"], "78002's answer is remembered"
    await courier.close()


async def test_an_open_breaker_does_not_mark_the_number_as_asked(clock: VirtualClock) -> None:
    transport = FakeKuaidi100(breaker_failures=1)
    transport.script["query"] = [timeout]
    courier = make(clock, transport)
    with pytest.raises(RetryableError):
        await courier.track([TrackQuery("78001")])
    with pytest.raises(RetryableError, match="unavailable"):
        await courier.track([TrackQuery("78002")])
    assert transport.numbers_asked() == ["78001"]
    transport.seconds += transport.policy.breaker_reset_seconds  # the recovery period has passed
    [result] = await courier.track([TrackQuery("78002")])
    assert result.events, "78002 was never sent, so it is not locked"
    await courier.close()


async def test_memory_is_pruned(clock: VirtualClock) -> None:
    courier = make(clock)
    await courier.track([TrackQuery(str(n)) for n in range(5)])
    clock.advance(hours=1)
    await courier.track([TrackQuery("new")])
    assert list(courier._asked) == ["new"]
    await courier.close()


async def test_booking_needs_a_callback_url(clock: VirtualClock, make_request: RequestFactory) -> None:
    courier = make(clock)
    with pytest.raises(ConfigurationError, match="callback_url"):
        await courier.book(make_request())
    await courier.close()


async def test_booking_outside_the_bookable_days_is_rejected_before_calling(
    clock: VirtualClock, make_request: RequestFactory
) -> None:
    courier = make(clock, callback_url=CALLBACK)
    clock.advance(days=-5)
    with pytest.raises(RejectedError):
        await courier.book(make_request())
    await courier.close()


async def test_cancel_needs_the_task_and_order_ids(clock: VirtualClock) -> None:
    courier = make(clock)
    with pytest.raises(RejectedError) as e:
        await courier.cancel(Booking("CP-1", "78001", "kuaidi100", raw={"taskId": "T"}))
    assert e.value.raw_code == "NO_TASK_ID"
    await courier.close()


def test_a_naive_clock_is_refused() -> None:
    courier = Kuaidi100Courier(Kuaidi100Config.from_mapping(CONFIG), now=lambda: datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        courier.now()
    assert Kuaidi100Courier(Kuaidi100Config.from_mapping(CONFIG)).now().tzinfo is UTC


# -- booking without a waybill number yet -------------------------------------------------------------------


def ordered(number: str = "") -> Reply:
    def reply(_form: Mapping[str, str]) -> Mapping[str, Any]:
        data = {"kuaidinum": number, "orderId": "20000001", "taskId": "TASK1"}
        return {"result": True, "returnCode": "200", "message": "提交成功", "data": data}

    return reply


def detail(number: str = "", status: str = "0") -> Reply:
    def reply(_form: Mapping[str, str]) -> Mapping[str, Any]:
        data = {"taskId": "TASK1", "orderId": "20000001", "kuaidinum": number, "status": status}
        return {"result": True, "returnCode": "200", "message": "查询成功", "data": data}

    return reply


async def test_an_order_without_a_number_yet_is_pending_not_a_carrier_failure(
    clock: VirtualClock, make_request: RequestFactory
) -> None:
    transport = FakeKuaidi100(breaker_failures=1)
    transport.defaults |= {"bOrder": ordered(), "detail": detail()}
    courier = make(clock, transport, callback_url=CALLBACK)
    for _ in range(3):
        with pytest.raises(TrackingNumberPending, match="not assigned a waybill number yet") as info:
            await courier.book(make_request())
        assert info.value.raw_code == "NO_KUAIDINUM"
        assert isinstance(info.value, RetryableError)
    assert transport.methods() == ["bOrder", "detail"] * 3, "asked once each time, never retried at once"
    assert transport.breaker.failures == 0
    assert not transport.breaker_open, "a healthy carrier is not shut out"
    transport.defaults["detail"] = detail("78000000000001")
    booking = await courier.book(make_request())
    assert booking.tracking_number == "78000000000001"
    assert (booking.raw["taskId"], booking.raw["orderId"]) == ("TASK1", "20000001")
    await courier.close()


@pytest.mark.parametrize("status", ["610", "9", "99"])
async def test_an_order_that_failed_or_was_cancelled_is_a_rejection(
    clock: VirtualClock, make_request: RequestFactory, status: str
) -> None:
    transport = FakeKuaidi100()
    transport.defaults |= {"bOrder": ordered(), "detail": detail(status=status)}
    courier = make(clock, transport, callback_url=CALLBACK)
    with pytest.raises(RejectedError, match="a clerk must book it again") as info:
        await courier.book(make_request())
    assert info.value.raw_code == f"order:{status}"
    await courier.close()


async def test_a_number_in_the_order_answer_needs_no_detail_call(
    clock: VirtualClock, make_request: RequestFactory
) -> None:
    transport = FakeKuaidi100()
    transport.defaults["bOrder"] = ordered("78000000000002")
    courier = make(clock, transport, callback_url=CALLBACK)
    assert (await courier.book(make_request())).tracking_number == "78000000000002"
    assert transport.methods() == ["bOrder"]
    await courier.close()
