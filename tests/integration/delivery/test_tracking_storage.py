"""The event rules through the storage layer, concurrent replicas, and the change feed between them."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self

import pytest

from couriers import (
    Address,
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PickupRequest,
    PushOutcome,
    Status,
    TrackingEvent,
    TrackQuery,
    TrackResult,
)
from couriers.sandbox import make_tracking_number, plan_life, status_for
from delivery.domain.timeline import derive_status
from delivery.services.live import ChangeFeed
from delivery.storage.database import database
from delivery.storage.models import Certificate, Shipment, ShipmentEvent
from delivery.storage.shipments import ShipmentRepository
from scheduler import PollIntervals, PollJob

HALL = Address("窗口", "057188880000", "浙江省", "杭州市", "上城区", "解放东路18号")
BOOKED = datetime(2026, 11, 28, 1, tzinfo=UTC)


def repository() -> ShipmentRepository:
    return ShipmentRepository(hall=HALL, pickup_window=timedelta(hours=2), first_poll_delay=timedelta(0))


@pytest.fixture
async def repo(database_url: str) -> AsyncIterator[ShipmentRepository]:
    async with database(database_url):
        yield repository()


async def new_shipment(number: str, **fields: Any) -> int:
    cert = await Certificate.create(
        type_code="t", holder_name="张三", holder_id_number="x", delivery_method="courier"
    )
    values: dict[str, Any] = {
        "certificate": cert,
        "carrier": "counting",
        "order_id": f"O{cert.id}",
        "tracking_number": number,
        "status": "info_received",
        "recipient_name": "张三",
        "recipient_phone": "13812341234",
        "recipient_province": "浙江省",
        "recipient_city": "宁波市",
        "recipient_county": "鄞州区",
        "recipient_address": "天童南路588号",
    } | fields
    return (await Shipment.create(**values)).id


def life(serial: int) -> list[TrackingEvent]:
    number = make_tracking_number(BOOKED, 1, 2, serial)
    return [
        TrackingEvent(number, BOOKED + timedelta(seconds=p.offset), status_for(p.code), p.code, p.description)
        for p in plan_life(number)
    ]


async def test_record_events_in_any_order_and_batching_stores_one_timeline(repo: ShipmentRepository) -> None:
    """Random orders, duplicates and batch cuts of real lives (seeded, so a failure replays)."""
    rng = random.Random(20261128)
    for serial in range(12):
        events = life(serial)
        expected = [(e.time, e.raw_code, e.description) for e in sorted(events, key=lambda e: e.time)]
        for _ in range(3):
            arriving = events + rng.choices(events, k=rng.randrange(len(events)))
            rng.shuffle(arriving)
            cuts = sorted(rng.sample(range(1, len(arriving)), k=min(4, len(arriving) - 1)))
            batches = [arriving[a:b] for a, b in zip([0, *cuts], [*cuts, len(arriving)], strict=True)]
            shipment_id = await new_shipment(events[0].tracking_number)
            for batch in batches:
                source = rng.choice(["push", "poll", "live"])
                state = await repo.record_events(shipment_id, batch, source=source, now=datetime.now(UTC))
                assert not (
                    state.status is not Status.DELIVERED and Status.DELIVERED in {e.status for e in batch}
                )
            rows = await ShipmentEvent.filter(shipment_id=shipment_id).order_by("time")
            assert [(r.time, r.raw_code, r.description) for r in rows] == expected
            stored = await Shipment.get(id=shipment_id)
            assert stored.status == derive_status(events).value == "delivered"
            assert stored.last_event_at == events[-1].time
            # a late scan after delivery is kept, and the status stays delivered
            late = TrackingEvent(
                events[0].tracking_number, events[-1].time + timedelta(hours=3), Status.IN_TRANSIT, "X", "迟"
            )
            assert (
                await repo.record_events(shipment_id, [late], source="push", now=BOOKED)
            ).status is Status.DELIVERED


async def test_concurrent_writers_of_one_shipment_store_each_event_once(repo: ShipmentRepository) -> None:
    events = life(7)
    shipment_id = await new_shipment(events[0].tracking_number)
    now = datetime.now(UTC)
    await asyncio.gather(
        *(repo.record_events(shipment_id, events[i::3], source="push", now=now) for i in range(3)),
        *(repo.record_events(shipment_id, events, source="poll", now=now) for _ in range(2)),
        return_exceptions=False,
    )
    assert await ShipmentEvent.filter(shipment_id=shipment_id).count() == len(events)
    assert (await Shipment.get(id=shipment_id)).status == "delivered"


async def test_listeners_hear_of_changes_only(repo: ShipmentRepository) -> None:
    heard: list[str] = []

    async def listener(change: Any) -> None:
        heard.append(change.shipment.status)

    repo.add_listener(listener)
    events = life(3)
    shipment_id = await new_shipment(events[0].tracking_number)
    await repo.record_events(shipment_id, events[:2], source="push", now=BOOKED)
    await repo.record_events(shipment_id, events[:2], source="push", now=BOOKED)  # nothing new
    await repo.schedule_poll(shipment_id, None, expire=True)
    assert heard == [events[1].status.value, "expired"]


async def test_a_poller_that_outlived_its_lease_leaves_the_new_holders_claim_alone(
    repo: ShipmentRepository,
) -> None:
    shipment_id = await new_shipment("SLOW1", next_poll_at=BOOKED)
    [slow] = await repo.claim_due_polls(BOOKED, 10, timedelta(seconds=30))
    later = BOOKED + timedelta(minutes=1)  # the slow replica's lease ran out; another takes the shipment
    [fresh] = await repo.claim_due_polls(later, 10, timedelta(seconds=30))
    assert fresh.lease
    assert fresh.lease != slow.lease
    await repo.schedule_poll(shipment_id, later + timedelta(hours=9), expire=True, lease=slow.lease)
    row = await Shipment.get(id=shipment_id)
    assert (row.lease_owner, row.next_poll_at, row.status) == (fresh.lease, BOOKED, "info_received")
    await repo.schedule_poll(shipment_id, later + timedelta(hours=2), expire=False, lease=fresh.lease)
    row = await Shipment.get(id=shipment_id)
    assert (row.lease_owner, row.next_poll_at) == (None, later + timedelta(hours=2))


class CountingCarrier(Courier):
    code: ClassVar[str] = "counting"
    name: ClassVar[str] = "counting"
    capabilities: ClassVar[Capabilities] = Capabilities(
        push=False, cancel=False, track_batch_size=10, rate_limit_per_second=1000
    )

    def __init__(self, log: list[str]) -> None:
        self.log = log

    @classmethod
    def from_config(cls, config: Any) -> Self:
        raise NotImplementedError

    async def book(self, request: PickupRequest) -> Booking:
        raise NotImplementedError

    async def cancel(self, booking: Booking) -> None:
        raise NotImplementedError

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        self.log.extend(q.tracking_number for q in queries)
        await asyncio.sleep(0.01)  # let the other replica run while this one holds its lease
        t = datetime.now(UTC) - timedelta(minutes=1)
        return [
            TrackResult(
                q.tracking_number, [TrackingEvent(q.tracking_number, t, Status.IN_TRANSIT, "A", "在途")]
            )
            for q in queries
        ]

    def parse_push(self, push: InboundPush) -> PushOutcome:
        raise NotImplementedError


async def test_two_replicas_poll_each_due_shipment_once(repo: ShipmentRepository) -> None:
    """Two poll jobs (each with its own repository and carrier client, as two replicas have) share one
    database; they run their ticks concurrently and the carrier sees each due number exactly once."""
    numbers = [f"CT{i:05d}" for i in range(60)]
    due = datetime.now(UTC) - timedelta(minutes=1)
    for number in numbers:
        await new_shipment(number, next_poll_at=due)
    calls: list[list[str]] = [[], []]
    jobs = [
        PollJob(
            repository(),
            {"counting": CountingCarrier(calls[i])},
            {"counting": PollIntervals()},
            lease=timedelta(minutes=2),
            batch=7,
        )
        for i in range(2)
    ]
    for _ in range(12):
        polled = await asyncio.gather(*(job.run() for job in jobs))
        if not any(polled):
            break
    assert sorted(calls[0] + calls[1]) == numbers
    # both replicas did part of the work
    assert calls[0]
    assert calls[1]
    assert await Shipment.filter(next_poll_at__lte=datetime.now(UTC)).count() == 0


async def test_a_change_announced_by_one_replica_reaches_the_other(database_url: str) -> None:
    if not database_url.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL; SQLite delivers in process only")
    async with database(database_url):
        dropped: list[str] = []
        a, b = ChangeFeed(), ChangeFeed(on_remote_change=dropped.append)
        await a.start(database_url)
        await b.start(database_url)
        try:
            async with b.subscribe("SB42") as changes, a.subscribe("SB42") as own:
                await a.publish("SB42")
                await asyncio.wait_for(changes.get(), 5)
                await asyncio.wait_for(own.get(), 5)
            assert dropped == ["SB42"]  # the other replica forgets its cached answer
        finally:
            await a.close()
            await b.close()


async def test_in_process_feed_without_postgres() -> None:
    feed = ChangeFeed()
    async with feed.subscribe("SB1") as changes:
        await feed.publish("SB2")
        assert changes.empty()
        await feed.publish("SB1")
        await feed.publish("SB1")  # coalesced
        assert changes.qsize() == 1
    assert feed.subscriber_count == 0
