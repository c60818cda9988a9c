"""Sandbox pushes over loopback: a real aiohttp server receives signed events that parse back exactly.

Time is compressed (`time_scale` 200000: a 3-day life lasts about a second) or the parcel is booked in the
past, so no test waits for real delivery times; waits are bounded by a generous guard, never asserted on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from couriers.contract import Address, InboundPush, PickupRequest, TrackQuery
from couriers.events import TrackingEvent
from couriers.sandbox import SIGNATURE_HEADER, SandboxConfig, SandboxCourier, codes, verify

SECRET = "integration-secret"
FAST_RETRIES = (0.01, 0.02, 0.04)
GUARD_SECONDS = 10  # well below the pusher's 30 s re-check, so a missed wake-up fails

ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass
class Hook:
    """The subscriber's webhook: records every request and answers with the planned statuses, then 200."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"ok": status == 200}, status=status)


@dataclass
class ShiftedClock:
    """Real time plus a shift, so a parcel can be booked days ago and then tracked now."""

    shift: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a condition spanning server and adapter state (no single event to await), with a guard."""
    async with asyncio.timeout(GUARD_SECONDS):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def request(order_id: str = "CP-1") -> PickupRequest:
    now = datetime.now(UTC)
    hall = Address("杭州市政务服务中心", "057188880000", "浙江省", "杭州市", "上城区", "解放东路18号")
    home = Address("李四", "13900005678", "四川省", "成都市", "武侯区", "人民南路4段1号")
    return PickupRequest(order_id, hall, home, now, now + timedelta(hours=2))


@pytest.fixture
async def hook(aiohttp_server: ServerFactory) -> tuple[Hook, str]:
    recorder = Hook()
    app = web.Application()
    app.router.add_post("/webhooks/sandbox", recorder.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    return recorder, str(server.make_url("/webhooks/sandbox"))


@pytest.fixture
async def make_courier() -> AsyncIterator[Callable[..., SandboxCourier]]:
    made: list[SandboxCourier] = []

    def make(time_scale: float = 200_000.0, **kwargs: Any) -> SandboxCourier:
        kwargs.setdefault("retry_delays", FAST_RETRIES)
        courier = SandboxCourier(SandboxConfig(time_scale=time_scale, secret=SECRET), **kwargs)
        made.append(courier)
        return courier

    yield make
    for courier in made:
        await courier.close()


def parsed(courier: SandboxCourier, hook: Hook) -> list[TrackingEvent]:
    """Every event the hook received, in arrival order, through the adapter's own parse_push."""
    events: list[TrackingEvent] = []
    for headers, body in hook.requests:
        events.extend(
            courier.parse_push(InboundPush("", headers, body, headers.get("Content-Type", ""))).events
        )
    return events


async def booked_in_the_past(courier: SandboxCourier, clock: ShiftedClock) -> str:
    """A parcel booked five days ago: its whole life is over by now."""
    clock.shift = -timedelta(days=5)
    number = (await courier.book(request())).tracking_number
    clock.shift = timedelta(0)
    return number


async def test_pushed_events_arrive_signed_and_parse_back(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    courier = make_courier()
    number = (await courier.book(request())).tracking_number
    await courier.subscribe(TrackQuery(number), url)
    await until(lambda: not courier.active_subscriptions())

    assert recorder.requests
    for headers, body in recorder.requests:
        assert verify(SECRET, body, headers[SIGNATURE_HEADER])
        assert headers["Content-Type"].startswith("application/json")
    events = parsed(courier, recorder)
    assert events == courier.timeline(number)  # every event once, in order, identical to polling
    assert events[-1].raw_code == codes.SIGNED
    [polled] = await courier.track([TrackQuery(number)])
    assert list(polled.events) == events


async def test_events_already_past_are_pushed_at_once(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    clock = ShiftedClock()
    courier = make_courier(time_scale=60.0, now=clock)
    number = await booked_in_the_past(courier, clock)
    await courier.subscribe(TrackQuery(number), url)
    await until(lambda: not courier.active_subscriptions())
    assert len(recorder.requests) == 1
    assert parsed(courier, recorder) == courier.timeline(number)


async def test_subscribing_twice_does_not_double_pushes(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    courier = make_courier()
    number = (await courier.book(request())).tracking_number
    await courier.subscribe(TrackQuery(number), url)
    await courier.subscribe(TrackQuery(number), url)
    assert courier.active_subscriptions() == [number]
    await until(lambda: not courier.active_subscriptions())
    await courier.subscribe(TrackQuery(number), url)  # after the life ended: still nothing new
    assert courier.active_subscriptions() == []
    assert parsed(courier, recorder) == courier.timeline(number)


async def test_a_500_reply_is_retried_with_the_same_signed_body(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    recorder.statuses = [500, 502]
    clock = ShiftedClock()
    courier = make_courier(time_scale=60.0, now=clock)
    number = await booked_in_the_past(courier, clock)
    await courier.subscribe(TrackQuery(number), url)
    await until(lambda: not courier.active_subscriptions())

    assert len(recorder.requests) == 3
    assert len({body for _, body in recorder.requests}) == 1
    assert len({headers[SIGNATURE_HEADER] for headers, _ in recorder.requests}) == 1
    headers, body = recorder.requests[-1]
    assert list(courier.parse_push(InboundPush("", headers, body)).events) == courier.timeline(number)


async def test_a_push_is_given_up_after_the_last_retry(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier], caplog: pytest.LogCaptureFixture
) -> None:
    recorder, url = hook
    recorder.statuses = [503] * 10
    clock = ShiftedClock()
    courier = make_courier(time_scale=60.0, now=clock, retry_delays=(0.01, 0.01))
    number = await booked_in_the_past(courier, clock)
    with caplog.at_level(logging.WARNING, logger="couriers.sandbox.pusher"):
        await courier.subscribe(TrackQuery(number), url)
        await until(lambda: not courier.active_subscriptions())
    assert len(recorder.requests) == 3  # the first try and two retries, then it stops
    assert any("gave up after 3 attempts" in r.getMessage() for r in caplog.records)


async def test_connection_errors_are_retried_then_given_up(
    make_courier: Callable[..., SandboxCourier], unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ShiftedClock()
    courier = make_courier(time_scale=60.0, now=clock, retry_delays=(0.01,))
    number = await booked_in_the_past(courier, clock)
    with caplog.at_level(logging.INFO, logger="couriers.sandbox.pusher"):
        await courier.subscribe(TrackQuery(number), f"http://127.0.0.1:{unused_tcp_port}/hook")
        await until(lambda: not courier.active_subscriptions())
    messages = [r.getMessage() for r in caplog.records]
    assert any("retrying" in m for m in messages)
    assert any("gave up after 2 attempts" in m for m in messages)


async def test_cancel_while_subscribed_pushes_the_cancellation(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    courier = make_courier(time_scale=1.0)  # real time: pickup is hours away
    booking = await courier.book(request())
    await courier.subscribe(TrackQuery(booking.tracking_number), url)
    await until(lambda: len(recorder.requests) == 1)
    await courier.cancel(booking)
    await until(lambda: not courier.active_subscriptions())
    assert [e.raw_code for e in parsed(courier, recorder)] == [codes.BOOKED, codes.CANCELLED]


async def test_close_stops_push_tasks(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    courier = make_courier(time_scale=1.0)
    number = (await courier.book(request())).tracking_number
    await courier.subscribe(TrackQuery(number), url)
    await until(lambda: len(recorder.requests) == 1)
    assert courier.active_subscriptions() == [number]
    await courier.close()
    assert courier.active_subscriptions() == []


async def test_an_injected_session_is_used_and_left_open(
    hook: tuple[Hook, str], make_courier: Callable[..., SandboxCourier]
) -> None:
    recorder, url = hook
    clock = ShiftedClock()
    async with aiohttp.ClientSession() as session:
        courier = make_courier(time_scale=60.0, now=clock, session=session)
        number = await booked_in_the_past(courier, clock)
        await courier.subscribe(TrackQuery(number), url)
        await until(lambda: not courier.active_subscriptions())
        await courier.close()
        assert not session.closed
        assert parsed(courier, recorder) == courier.timeline(number)
