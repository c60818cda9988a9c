"""Adapter rules that need no carrier: capabilities, the 30-minute query memory, booking preconditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from couriers.contract import Booking, TrackQuery, TrackResult
from couriers.errors import ConfigurationError, RejectedError
from couriers.events import TrackingEvent
from couriers.kuaidi100 import MIN_QUERY_INTERVAL, Kuaidi100Config, Kuaidi100Courier
from couriers.status import Status

if TYPE_CHECKING:
    from conftest import RequestFactory, VirtualClock

CONFIG = {"customer": "C", "key": "K", "secret": "S", "salt": "salt"}


class RecordingCourier(Kuaidi100Courier):
    """Answers queries itself and records which numbers reached the carrier."""

    def __init__(self, clock: VirtualClock, **config: str) -> None:
        super().__init__(Kuaidi100Config.from_mapping({**CONFIG, **config}), now=clock)
        self.asked: list[str] = []
        self.clock = clock

    async def _query(self, q: TrackQuery) -> TrackResult:
        self.asked.append(q.tracking_number)
        event = TrackingEvent(
            q.tracking_number, self.clock(), Status.IN_TRANSIT, "0", f"scan {len(self.asked)}"
        )
        return TrackResult(q.tracking_number, [event])


def test_capabilities() -> None:
    caps = Kuaidi100Courier.capabilities
    assert (caps.push, caps.cancel, caps.track_batch_size) == (True, True, 1)
    assert caps.min_query_interval == timedelta(minutes=30) == MIN_QUERY_INTERVAL
    assert caps.rate_limit_per_second == 10
    assert (Kuaidi100Courier.code, Kuaidi100Courier.name) == ("kuaidi100", "快递100")


async def test_one_query_per_number_and_none_again_within_30_minutes(clock: VirtualClock) -> None:
    courier = RecordingCourier(clock)
    a, b = TrackQuery("78001"), TrackQuery("78002")
    first = await courier.track([a, b, a])
    assert courier.asked == ["78001", "78002"]
    assert first[0] == first[2]
    clock.advance(minutes=29)
    again = await courier.track([b, a])
    assert courier.asked == ["78001", "78002"]
    assert again == [first[1], first[0]]
    clock.advance(minutes=1)
    later = await courier.track([a])
    assert courier.asked == ["78001", "78002", "78001"]
    assert later[0].events[0].description == "scan 3"
    await courier.close()


async def test_memory_is_pruned(clock: VirtualClock) -> None:
    courier = RecordingCourier(clock)
    await courier.track([TrackQuery(str(n)) for n in range(5)])
    clock.advance(hours=1)
    await courier.track([TrackQuery("new")])
    assert list(courier._recent) == ["new"]
    await courier.close()


async def test_booking_needs_a_callback_url(clock: VirtualClock, make_request: RequestFactory) -> None:
    courier = RecordingCourier(clock)
    with pytest.raises(ConfigurationError, match="callback_url"):
        await courier.book(make_request())
    await courier.close()


async def test_booking_outside_the_bookable_days_is_rejected_before_calling(
    clock: VirtualClock, make_request: RequestFactory
) -> None:
    courier = RecordingCourier(clock, callback_url="https://c.example/webhooks/kuaidi100")
    clock.advance(days=-5)
    with pytest.raises(RejectedError):
        await courier.book(make_request())
    await courier.close()


async def test_cancel_needs_the_task_and_order_ids(clock: VirtualClock) -> None:
    courier = RecordingCourier(clock)
    with pytest.raises(RejectedError) as e:
        await courier.cancel(Booking("CP-1", "78001", "kuaidi100", raw={"taskId": "T"}))
    assert e.value.raw_code == "NO_TASK_ID"
    await courier.close()


def test_a_naive_clock_is_refused() -> None:
    courier = Kuaidi100Courier(Kuaidi100Config.from_mapping(CONFIG), now=lambda: datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        courier.now()
    assert Kuaidi100Courier(Kuaidi100Config.from_mapping(CONFIG)).now().tzinfo is UTC
