"""The polling safety net against a counting carrier and an in-memory store (no I/O)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self

from couriers import (
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PickupRequest,
    PushOutcome,
    RetryableError,
    Status,
    TrackingEvent,
    TrackQuery,
    TrackResult,
)
from scheduler import Pacer, PollIntervals, PollJob, PollTask, ShipmentState


class CountingCourier(Courier):
    code: ClassVar[str] = "counting"
    name: ClassVar[str] = "counting"
    capabilities: ClassVar[Capabilities] = Capabilities(
        push=False, cancel=False, track_batch_size=3, rate_limit_per_second=2
    )

    def __init__(self, status: Status = Status.IN_TRANSIT, *, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.status = status
        self.fail = fail

    @classmethod
    def from_config(cls, config: Any) -> Self:
        return cls()

    async def book(self, request: PickupRequest) -> Booking:
        raise NotImplementedError

    async def cancel(self, booking: Booking) -> None:
        raise NotImplementedError

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        self.batches.append([q.tracking_number for q in queries])
        if self.fail:
            raise RetryableError("carrier is down", carrier=self.code)
        t = datetime(2026, 11, 28, 8, tzinfo=UTC)
        return [
            TrackResult(q.tracking_number, [TrackingEvent(q.tracking_number, t, self.status, "X", "scan")])
            for q in queries
        ]

    def parse_push(self, push: InboundPush) -> PushOutcome:
        raise NotImplementedError


class MemoryStore:
    """Records what the job did; claims every due task once."""

    def __init__(self, count: int) -> None:
        self.due = [PollTask(i, "counting", f"N{i}", "1234") for i in range(count)]
        self.scheduled: dict[int, datetime | None] = {}
        self.failures: dict[int, int] = {}
        self.status: dict[int, Status] = {}

    async def claim_due_polls(self, now: datetime, limit: int, lease: timedelta) -> list[PollTask]:
        claimed, self.due = self.due[:limit], self.due[limit:]
        return claimed

    async def record_events(
        self, shipment_id: int, events: Sequence[TrackingEvent], *, source: str, now: datetime
    ) -> ShipmentState:
        self.failures[shipment_id] = 0
        self.status[shipment_id] = events[-1].status if events else Status.INFO_RECEIVED
        return self._state(shipment_id, now)

    async def record_poll_failure(self, shipment_id: int, error: str) -> ShipmentState:
        self.failures[shipment_id] = self.failures.get(shipment_id, 0) + 1
        return self._state(shipment_id, datetime.now(UTC))

    async def schedule_poll(
        self, shipment_id: int, next_poll_at: datetime | None, *, expire: bool, lease: str = ""
    ) -> None:
        self.scheduled[shipment_id] = next_poll_at

    def _state(self, shipment_id: int, now: datetime) -> ShipmentState:
        status = self.status.get(shipment_id, Status.IN_TRANSIT)
        return ShipmentState(shipment_id, status, now, now, None, self.failures.get(shipment_id, 0))


class RecordingPacer(Pacer):
    def __init__(self) -> None:
        super().__init__(2)
        self.waits = 0

    async def wait(self) -> None:
        self.waits += 1


def job(store: MemoryStore, courier: Courier, pacer: Pacer | None = None, **kw: Any) -> PollJob:
    pacers = {"counting": pacer} if pacer else None
    intervals = {"counting": PollIntervals(**kw)}
    return PollJob(store, {"counting": courier}, intervals, lease=timedelta(minutes=2), pacers=pacers)


async def test_batches_follow_the_carrier_limit_and_every_call_is_paced() -> None:
    store, courier, pacer = MemoryStore(8), CountingCourier(), RecordingPacer()
    assert await job(store, courier, pacer).run() == 8
    assert [len(b) for b in courier.batches] == [3, 3, 2]
    assert sorted(n for b in courier.batches for n in b) == sorted(f"N{i}" for i in range(8))
    assert pacer.waits == len(courier.batches)


async def test_default_pacer_keeps_to_the_declared_rate() -> None:
    store, courier = MemoryStore(9), CountingCourier()
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    original = courier.track

    async def timed(queries: Sequence[TrackQuery]) -> list[TrackResult]:
        starts.append(loop.time())
        return await original(queries)

    courier.track = timed  # type: ignore[method-assign]
    await job(store, courier).run()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # 2 calls per second: consecutive calls at least ~0.5 s apart (loop clock granularity allowed)
    assert len(starts) == 3
    assert all(gap >= 0.45 for gap in gaps)


async def test_next_poll_respects_status_interval_and_carrier_minimum() -> None:
    store, courier = MemoryStore(2), CountingCourier(Status.OUT_FOR_DELIVERY)
    before = datetime.now(UTC)
    await job(store, courier, RecordingPacer(), carrier_minimum=timedelta(hours=1)).run()
    for next_poll in store.scheduled.values():
        assert next_poll is not None
        assert next_poll - before >= timedelta(hours=1)


async def test_failures_back_off_with_jitter_and_terminal_stops() -> None:
    store, courier = MemoryStore(6), CountingCourier(fail=True)
    before = datetime.now(UTC)
    await job(store, courier, RecordingPacer(), retry_base=timedelta(minutes=10)).run()
    delays = [(t - before) for t in store.scheduled.values() if t is not None]
    assert len(delays) == 6
    assert all(timedelta(minutes=5) <= d <= timedelta(minutes=10, seconds=5) for d in delays)
    assert len({round(d.total_seconds()) for d in delays}) > 1  # jittered, not all at once

    done = MemoryStore(2)
    await job(done, CountingCourier(Status.DELIVERED), RecordingPacer()).run()
    assert done.scheduled == {0: None, 1: None}
