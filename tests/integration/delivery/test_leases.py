"""Background work is claimed with leases: concurrent claimers never get the same shipment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from couriers import Address
from delivery.storage.database import database
from delivery.storage.models import Certificate, Shipment
from delivery.storage.shipments import ShipmentRepository

HALL = Address("窗口", "057188880000", "浙江省", "杭州市", "上城区", "解放东路18号")


@pytest.fixture
async def repo(database_url: str) -> AsyncIterator[ShipmentRepository]:
    async with database(database_url):
        yield ShipmentRepository(
            hall=HALL, pickup_window=timedelta(hours=2), first_poll_delay=timedelta(minutes=30)
        )


async def make_shipments(count: int, **fields: object) -> list[int]:
    ids = []
    for _ in range(count):
        cert = await Certificate.create(
            type_code="t", holder_name="张三", holder_id_number="x", delivery_method="courier"
        )
        shipment = await Shipment.create(
            certificate=cert,
            carrier="sandbox",
            order_id=f"O{cert.id}",
            recipient_name="张三",
            recipient_phone="13812341234",
            recipient_province="浙江省",
            recipient_city="宁波市",
            recipient_county="鄞州区",
            recipient_address="天童南路588号",
            **fields,
        )
        ids.append(shipment.id)
    return ids


async def test_concurrent_poll_claims_are_disjoint(repo: ShipmentRepository) -> None:
    now = datetime.now(UTC)
    await make_shipments(
        40, tracking_number="SB1", status="in_transit", next_poll_at=now - timedelta(minutes=1)
    )
    claimed: list[int] = []
    for _ in range(10):
        claims = await asyncio.gather(*(repo.claim_due_polls(now, 7, timedelta(minutes=2)) for _ in range(4)))
        if not any(claims):
            break
        claimed += [task.shipment_id for claim in claims for task in claim]
    assert len(claimed) == len(set(claimed)) == 40
    assert await repo.claim_due_polls(now, 15, timedelta(minutes=2)) == []
    # an expired lease frees the shipment again
    later = now + timedelta(minutes=3)
    assert len(await repo.claim_due_polls(later, 100, timedelta(minutes=2))) == 40


async def test_terminal_and_future_shipments_are_not_claimed(repo: ShipmentRepository) -> None:
    now = datetime.now(UTC)
    await make_shipments(
        1, tracking_number="SB1", status="delivered", next_poll_at=now - timedelta(minutes=1)
    )
    await make_shipments(
        1, tracking_number="SB2", status="in_transit", next_poll_at=now + timedelta(minutes=1)
    )
    await make_shipments(1, tracking_number=None, status="pending", next_poll_at=now - timedelta(minutes=1))
    assert await repo.claim_due_polls(now, 10, timedelta(minutes=2)) == []


async def test_booking_claims_skip_a_shipment_a_request_is_booking(repo: ShipmentRepository) -> None:
    now = datetime.now(UTC)
    (held,) = await make_shipments(
        1, next_attempt_at=now, lease_owner="ready-request", lease_until=now + timedelta(minutes=2)
    )
    (free,) = await make_shipments(1, next_attempt_at=now - timedelta(seconds=1))
    tasks = await repo.claim_due_bookings(now, 10, timedelta(minutes=2))
    assert [t.shipment_id for t in tasks] == [free]
    assert tasks[0].request.sender == HALL
    assert held != free
