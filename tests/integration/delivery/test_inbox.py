"""The webhook inbox: group commit of concurrent pushes, replay claimed by one replica at a time, backoff
between attempts, and parking (never dropping) what cannot be applied."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from couriers import Status, TrackingEvent
from couriers.sandbox import SIGNATURE_HEADER, encode_push, sign
from delivery.storage.inbox import (
    Inbox,
    ReceivedPush,
    count_failed_pushes,
    count_pending_pushes,
    requeue_failed_pushes,
)
from delivery.storage.models import Shipment, ShipmentEvent, WebhookInbox
from scheduler import PollDecision

from .conftest import Api, certificate_body

SECRET = "sandbox-dev-secret"
BEIJING = timezone(timedelta(hours=8))
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


async def booked(api: Api) -> str:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    return str(ready["shipment"]["tracking_number"])


async def post(api: Api, number: str, events: Sequence[TrackingEvent]) -> int:
    body = encode_push(number, events)
    response = await api.client.post(
        "/webhooks/sandbox", data=body, headers={SIGNATURE_HEADER: sign(SECRET, body)}
    )
    return response.status


def scan(number: str, minutes: int, status: Status, code: str, text: str) -> TrackingEvent:
    return TrackingEvent(number, T0 + timedelta(minutes=minutes), status, code, text, "杭州市")


async def test_concurrent_pushes_in_any_order_give_one_timeline_and_a_terminal_status_that_sticks(
    api: Api,
) -> None:
    number = await booked(api)
    life = [
        scan(number, 0, Status.PICKED_UP, "PICKED_UP", "已揽收"),
        scan(number, 60, Status.IN_TRANSIT, "ARRIVED", "到达杭州转运中心"),
        scan(number, 120, Status.IN_TRANSIT, "DEPARTED", "离开杭州转运中心"),
        scan(number, 240, Status.OUT_FOR_DELIVERY, "OUT_FOR_DELIVERY", "派件中"),
        scan(number, 300, Status.DELIVERED, "SIGNED", "已签收"),
        scan(number, 330, Status.IN_TRANSIT, "ARRIVED", "迟到的到达扫描"),  # late, after delivery
    ]
    # Every event alone, twice, plus the whole life in one push: sent at once, so they share groups.
    bodies = [[e] for e in reversed(life)] * 2 + [life]
    statuses = await asyncio.gather(*(post(api, number, events) for events in bodies))
    assert statuses == [200] * len(bodies)
    assert await WebhookInbox.filter(processed_at__isnull=True).count() == 0
    assert await WebhookInbox.all().count() == len(bodies)
    assert await ShipmentEvent.all().count() == len(life)
    shipment = await Shipment.get(tracking_number=number)
    assert shipment.status == Status.DELIVERED.value
    assert shipment.last_push_at is not None
    assert shipment.next_poll_at is None  # terminal: no more polling
    track = await (await api.client.get(f"/api/track/{number}", params={"phone_tail": "1234"})).json()
    assert track["status"] == "delivered"
    assert [e["status"] for e in track["events"]] == [e.status.value for e in life]


async def test_one_push_that_fails_to_apply_holds_back_no_other_push(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = await booked(api), await booked(api)
    shipments = api.services.shipments
    original = shipments.apply_pushes

    async def fails_for_bad(pushes, **kwargs):  # type: ignore[no-untyped-def]
        if any(e.tracking_number == bad for _, events in pushes for e in events):
            raise RuntimeError("cannot apply this one")
        return await original(pushes, **kwargs)

    monkeypatch.setattr(shipments, "apply_pushes", fails_for_bad)
    sends = [
        post(api, number, [scan(number, k, Status.IN_TRANSIT, "ARRIVED", f"到达第{k}站")])
        for k in range(6)
        for number in (good, bad)
    ]
    assert await asyncio.gather(*sends) == [200] * 12
    assert await ShipmentEvent.filter(shipment__tracking_number=good).count() == 6
    assert await ShipmentEvent.filter(shipment__tracking_number=bad).count() == 0
    assert await WebhookInbox.filter(processed_at__isnull=False).count() == 6
    pending = await WebhookInbox.filter(processed_at__isnull=True)
    assert len(pending) == 6
    assert all(r.attempts == 1 and r.next_attempt_at is not None for r in pending)


async def test_replay_backs_off_exponentially_then_parks_the_push_for_an_operator(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    number = await booked(api)
    shipments = api.services.shipments
    pushes = api.services.pushes
    retry = pushes.inbox.retry
    original = shipments.apply_pushes

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("still broken")

    monkeypatch.setattr(shipments, "apply_pushes", broken)
    assert await post(api, number, [scan(number, 0, Status.PICKED_UP, "PICKED_UP", "已揽收")]) == 200
    row = await WebhookInbox.get()
    gaps = []
    now = row.received_at
    while row.failed_at is None:
        assert row.next_attempt_at is not None
        gaps.append(row.next_attempt_at - now)
        now = row.next_attempt_at
        # Not due a moment before its time, due at it.
        assert await pushes.process_pending_pushes(10, now=now - timedelta(seconds=1)) == 0
        assert (await WebhookInbox.get()).attempts == row.attempts
        with caplog.at_level(logging.WARNING):
            assert await pushes.process_pending_pushes(10, now=now) == 0
        row = await WebhookInbox.get()
    assert row.attempts == retry.max_attempts
    assert row.processed_at is None
    assert row.next_attempt_at is None
    assert "still broken" in (row.last_error or "")
    assert len(gaps) == retry.max_attempts - 1
    for n, gap in enumerate(gaps, 1):  # attempt n failed: wait between half and all of base·2ⁿ⁻¹ (capped)
        ceiling = min(retry.cap, retry.base * 2 ** (n - 1))
        assert ceiling / 2 - timedelta(milliseconds=1) <= gap <= ceiling + timedelta(milliseconds=1)
    assert any(r.levelno == logging.ERROR and "parked" in r.getMessage() for r in caplog.records)
    assert await count_failed_pushes() == 1
    assert await count_pending_pushes() == 0
    assert await pushes.process_pending_pushes(10, now=now + timedelta(days=30)) == 0

    # Fixed: the operator puts it back in line and it is applied.
    monkeypatch.setattr(shipments, "apply_pushes", original)
    assert await requeue_failed_pushes(now) == 1
    assert await pushes.process_pending_pushes(10, now=now) == 1
    assert await count_failed_pushes() == 0
    assert await ShipmentEvent.all().count() == 1


async def test_a_push_whose_carrier_is_gone_is_parked_not_dropped(api: Api) -> None:
    await WebhookInbox.create(carrier="pigeon_post", headers={}, body=b"{}")
    assert await api.services.pushes.process_pending_pushes(10) == 0
    row = await WebhookInbox.get()
    assert row.processed_at is None
    assert row.failed_at is not None
    assert "pigeon_post" in (row.last_error or "")
    assert await count_failed_pushes() == 1


async def test_a_push_left_pending_before_the_upgrade_is_replayed(api: Api) -> None:
    """Rows written by the previous version have no `next_attempt_at`: due at once."""
    number = await booked(api)
    body = encode_push(number, [scan(number, 0, Status.PICKED_UP, "PICKED_UP", "已揽收")])
    await WebhookInbox.create(
        carrier="sandbox", headers={SIGNATURE_HEADER.lower(): sign(SECRET, body)}, body=body, attempts=3
    )
    assert await api.services.pushes.process_pending_pushes(10) == 1
    assert await ShipmentEvent.all().count() == 1
    assert await WebhookInbox.filter(processed_at__isnull=True).count() == 0


async def test_replicas_claim_disjoint_pushes_and_a_lapsed_lease_frees_them(api: Api) -> None:
    shipments = api.services.shipments

    def plan(carrier: str, state: object, now: datetime) -> PollDecision:
        return PollDecision(None)

    replicas = [Inbox(shipments, plan) for _ in range(4)]
    now = datetime.now(UTC)
    await WebhookInbox.bulk_create(
        [WebhookInbox(carrier="sandbox", headers={}, body=b"{}", received_at=now) for _ in range(40)]
    )
    claimed: list[int] = []
    for _ in range(10):
        claims = await asyncio.gather(*(r.claim_due(now, 7) for r in replicas))
        if not any(claims):
            break
        claimed += [push.id for claim in claims for push in claim]
    assert len(claimed) == len(set(claimed)) == 40
    lease = replicas[0].retry.lease
    assert await replicas[0].claim_due(now + lease / 2, 100) == []
    assert len(await replicas[1].claim_due(now + lease + timedelta(seconds=1), 100)) == 40


async def test_replicas_applying_overlapping_groups_at_once_store_each_event_once(api: Api) -> None:
    """Each replica commits its own groups; on PostgreSQL they lock shipments in one order, so they wait
    for each other instead of deadlocking."""
    numbers = [await booked(api) for _ in range(3)]
    shipments = api.services.shipments

    def plan(carrier: str, state: object, now: datetime) -> PollDecision:
        return PollDecision(None)

    replicas = [Inbox(shipments, plan) for _ in range(3)]
    rng = random.Random(7)
    sends = []
    for k in range(8):
        for number in numbers:
            events = [scan(number, j, Status.IN_TRANSIT, "ARRIVED", f"到达第{j}站") for j in range(k, k + 3)]
            push = ReceivedPush("sandbox", "", "application/json", {}, b"{}", events)
            sends.append((rng.choice(replicas), push))
    rng.shuffle(sends)
    await asyncio.gather(*(replica.accept(push) for replica, push in sends))
    for replica in replicas:
        await replica.close()
    assert await WebhookInbox.filter(processed_at__isnull=False).count() == len(sends)
    for number in numbers:
        assert await ShipmentEvent.filter(shipment__tracking_number=number).count() == 10
        assert (await Shipment.get(tracking_number=number)).status == Status.IN_TRANSIT.value


async def test_a_timeline_with_mixed_utc_offsets_is_ordered_by_the_instant(api: Api) -> None:
    """A carrier reporting Beijing time and another reporting UTC: stored as sent, ordered as happened."""
    number = await booked(api)
    shipment = await Shipment.get(tracking_number=number)
    # 09:00 in Beijing is 01:00 UTC, an hour before the 02:00 UTC scan, though "09:00+08:00" > "02:00+00:00".
    picked = TrackingEvent(
        number, datetime(2026, 11, 28, 9, tzinfo=BEIJING), Status.PICKED_UP, "PICKED_UP", "已揽收"
    )
    moving = TrackingEvent(
        number, datetime(2026, 11, 28, 2, tzinfo=UTC), Status.IN_TRANSIT, "ARRIVED", "到达"
    )
    assert picked.time.isoformat() > moving.time.isoformat()
    await api.services.shipments.record_events(shipment.id, [moving], source="poll", now=datetime.now(UTC))
    await api.services.shipments.record_events(shipment.id, [picked], source="poll", now=datetime.now(UTC))
    timeline = await api.services.shipments.timeline(await Shipment.get(id=shipment.id))
    assert [e.raw_code for e in timeline] == ["PICKED_UP", "ARRIVED"]
    assert (await Shipment.get(id=shipment.id)).status == Status.IN_TRANSIT.value
