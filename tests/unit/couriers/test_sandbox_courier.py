"""SandboxCourier booking, tracking and cancelling on a virtual clock (no network, no real time)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from couriers.contract import Booking, TrackQuery
from couriers.errors import RejectedError
from couriers.sandbox import SandboxConfig, SandboxCourier, codes, parse_tracking_number, plan_life
from couriers.sandbox.cities import city_index
from couriers.status import Status

if TYPE_CHECKING:
    from conftest import RequestFactory, VirtualClock

START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def courier(clock: VirtualClock) -> SandboxCourier:
    return SandboxCourier(SandboxConfig(time_scale=60.0, seed=7), now=clock, serial_start=0)


async def track_one(courier: SandboxCourier, number: str) -> list[str]:
    [result] = await courier.track([TrackQuery(number)])
    assert result.tracking_number == number
    return [e.raw_code for e in result.events]


async def test_booking_encodes_time_and_cities(courier: SandboxCourier, make_request: RequestFactory) -> None:
    booking = await courier.book(make_request())
    assert booking.carrier == "sandbox"
    assert booking.order_id == "CP-0001"
    parsed = parse_tracking_number(booking.tracking_number)
    assert parsed.booked_at == START
    assert (parsed.origin, parsed.destination) == (city_index("杭州"), city_index("宁波"))


async def test_same_order_id_returns_the_same_booking(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    first = await courier.book(make_request("CP-1"))
    clock.advance(minutes=5)
    again = await courier.book(make_request("CP-1", recipient_city="北京市"))
    assert again == first


async def test_orders_in_the_same_second_get_different_numbers(
    courier: SandboxCourier, make_request: RequestFactory
) -> None:
    numbers = {(await courier.book(make_request(f"CP-{i}"))).tracking_number for i in range(200)}
    assert len(numbers) == 200


async def test_serials_wrap_without_reusing_a_number(
    clock: VirtualClock, make_request: RequestFactory
) -> None:
    courier = SandboxCourier(now=clock, serial_start=9999)
    a = await courier.book(make_request("A"))
    b = await courier.book(make_request("B"))
    assert a.tracking_number != b.tracking_number


async def test_booking_without_recipient_address_is_rejected(
    courier: SandboxCourier, make_request: RequestFactory
) -> None:
    request = make_request()
    request = dataclasses.replace(request, recipient=dataclasses.replace(request.recipient, address=" "))
    with pytest.raises(RejectedError, match=r"recipient\.address") as info:
        await courier.book(request)
    assert info.value.raw_code == "MISSING_FIELD"


async def test_track_shows_only_what_has_happened(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    number = (await courier.book(make_request())).tracking_number
    assert await track_one(courier, number) == [codes.BOOKED]
    whole = courier.timeline(number)
    seen: list[str] = []
    for _ in range(200):
        clock.advance(minutes=1)
        now_seen = await track_one(courier, number)
        assert now_seen[: len(seen)] == seen  # history only grows
        seen = now_seen
    assert seen == [e.raw_code for e in whole if e.time <= clock()]
    clock.advance(days=1)
    assert (await track_one(courier, number))[-1] == codes.SIGNED


async def test_event_times_follow_the_time_scale(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    number = (await courier.book(make_request())).tracking_number
    plan = plan_life(number, seed=7, origin="杭州", destination="宁波")
    events = courier.timeline(number)
    assert [e.raw_code for e in events] == [p.code for p in plan]
    for event, planned in zip(events, plan, strict=True):
        assert event.time == START + timedelta(seconds=planned.offset / 60.0)
        assert event.status is codes.status_for(planned.code)
        assert event.tracking_number == number
        assert event.time.utcoffset() == timedelta(0)


async def test_a_restarted_service_tracks_old_parcels_the_same(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    number = (await courier.book(make_request())).tracking_number
    clock.advance(hours=1)
    before = await courier.track([TrackQuery(number)])
    restarted = SandboxCourier(SandboxConfig(time_scale=60.0, seed=7), now=clock)
    assert await restarted.track([TrackQuery(number)]) == before


async def test_track_answers_every_query_in_order(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    a = (await courier.book(make_request("A"))).tracking_number
    b = (await courier.book(make_request("B"))).tracking_number
    results = await courier.track([TrackQuery(b), TrackQuery("SB123"), TrackQuery(a), TrackQuery(b)])
    assert [r.tracking_number for r in results] == [b, "SB123", a, b]
    assert [len(r.events) for r in results] == [1, 0, 1, 1]


async def test_malformed_or_mistyped_numbers_have_no_events(
    courier: SandboxCourier, make_request: RequestFactory
) -> None:
    number = (await courier.book(make_request())).tracking_number
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    for bad in ("", "hello", "SF1234567890123", typo):
        assert await track_one(courier, bad) == []


async def test_parcel_booked_later_than_now_has_no_events(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    number = (await courier.book(make_request())).tracking_number
    clock.advance(seconds=-10)
    assert await track_one(courier, number) == []


async def test_cancel_before_pickup_stops_the_life(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    booking = await courier.book(make_request())
    clock.advance(seconds=30)  # pickup is 1-4 simulated hours away: 1-4 real minutes at time_scale 60
    await courier.cancel(booking)
    await courier.cancel(booking)  # again: nothing changes
    clock.advance(days=10)
    [result] = await courier.track([TrackQuery(booking.tracking_number)])
    assert [e.raw_code for e in result.events] == [codes.BOOKED, codes.CANCELLED]
    cancelled = result.events[-1]
    assert cancelled.status is Status.CANCELLED
    assert cancelled.time == START + timedelta(seconds=30)


async def test_cancel_after_pickup_is_rejected(
    courier: SandboxCourier, clock: VirtualClock, make_request: RequestFactory
) -> None:
    booking = await courier.book(make_request())
    clock.advance(hours=4, seconds=1)  # pickup is planned within 4 simulated hours = 4 real minutes here
    with pytest.raises(RejectedError) as info:
        await courier.cancel(booking)
    assert info.value.raw_code == "ALREADY_PICKED_UP"
    assert codes.CANCELLED not in await track_one(courier, booking.tracking_number)


async def test_cancel_of_a_malformed_number_is_rejected(courier: SandboxCourier) -> None:
    with pytest.raises(RejectedError) as info:
        await courier.cancel(Booking("X", "SB0", "sandbox"))
    assert info.value.raw_code == "UNKNOWN_NUMBER"


async def test_subscribe_validates_before_starting_anything(
    courier: SandboxCourier, make_request: RequestFactory
) -> None:
    number = (await courier.book(make_request())).tracking_number
    with pytest.raises(RejectedError):
        await courier.subscribe(TrackQuery("nonsense"), "http://127.0.0.1:1/hook")
    with pytest.raises(RejectedError):
        await courier.subscribe(TrackQuery(number), "ftp://127.0.0.1/hook")
    assert courier.active_subscriptions() == []
    await courier.close()


async def test_subscribe_is_a_no_op_when_push_is_off(
    clock: VirtualClock, make_request: RequestFactory
) -> None:
    courier = SandboxCourier(SandboxConfig(push=False), now=clock)
    number = (await courier.book(make_request())).tracking_number
    await courier.subscribe(TrackQuery(number), "http://127.0.0.1:1/hook")
    assert courier.active_subscriptions() == []
    await courier.close()


async def test_naive_clock_is_refused(make_request: RequestFactory) -> None:
    courier = SandboxCourier(now=lambda: datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        await courier.book(make_request())
