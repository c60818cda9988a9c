"""Carrier pushes: authenticate, store durably, acknowledge, apply — and replay what failed to apply.

A push is written to the inbox before the carrier gets its acknowledgement, so an acknowledged push
can always be applied later; applying is idempotent because events are deduplicated by key.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from couriers import (
    Courier,
    CourierError,
    InboundPush,
    PushOutcome,
    PushRejected,
    Status,
    TrackingEvent,
    TrackQuery,
)
from delivery.domain.masking import phone_tail
from delivery.storage.models import WebhookInbox
from delivery.storage.shipments import ShipmentRepository
from scheduler import PollIntervals, plan_next_poll

__all__ = ["PushIngest", "UnknownCarrier"]

log = logging.getLogger(__name__)

# Kept so a replay authenticates exactly as the first attempt did; cookies are never a carrier's signature.
_DROPPED_HEADERS = frozenset({"cookie", "host", "content-length", "connection"})


class UnknownCarrier(Exception):
    pass


class PushIngest:
    def __init__(
        self,
        couriers: Mapping[str, Courier],
        shipments: ShipmentRepository,
        intervals: Mapping[str, PollIntervals],
        *,
        callback_url: Callable[[str], str] | None = None,
    ) -> None:
        self._couriers = couriers
        self._shipments = shipments
        self._intervals = intervals
        self._callback_url = callback_url
        self._resubscribing: set[asyncio.Task[None]] = set()

    async def receive(self, carrier: str, push: InboundPush) -> PushOutcome:
        """Raises `UnknownCarrier` or `PushRejected`; otherwise the push is stored before returning."""
        courier = self._couriers.get(carrier)
        if courier is None:
            raise UnknownCarrier(carrier)
        outcome = courier.parse_push(push)
        headers = {k.lower(): v for k, v in push.headers.items() if k.lower() not in _DROPPED_HEADERS}
        row = await WebhookInbox.create(
            carrier=carrier,
            path_tail=push.path_tail,
            content_type=push.content_type,
            headers=headers,
            body=push.body,
        )
        try:
            await self._apply(row, outcome.events)
        except Exception:
            # Stored: the replay job applies it later. The carrier still gets its acknowledgement.
            log.exception("applying push %s from %s failed; it stays in the inbox", row.id, carrier)
        for number in outcome.resubscribe:
            task = asyncio.create_task(self._resubscribe(courier, number), name=f"resubscribe-{carrier}")
            self._resubscribing.add(task)
            task.add_done_callback(self._resubscribing.discard)
        return outcome

    async def _resubscribe(self, courier: Courier, number: str) -> None:
        """The carrier stopped pushing this number (Kuaidi100 `abort`): ask again; polling covers failures."""
        if self._callback_url is None:
            return
        shipment = await self._shipments.find_by_tracking_number(courier.code, number)
        if shipment is None or Status(shipment.status).terminal:
            return
        try:
            await courier.subscribe(
                TrackQuery(number, phone_tail(shipment.recipient_phone)), self._callback_url(courier.code)
            )
            log.info("resubscribed %s with %s", number, courier.code)
        except CourierError as e:
            log.warning("resubscribing %s with %s failed (polling continues): %s", number, courier.code, e)

    async def close(self) -> None:
        """Wait for resubscriptions in flight so none is cut off at shutdown."""
        if self._resubscribing:
            await asyncio.gather(*self._resubscribing, return_exceptions=True)

    async def process_pending_pushes(self, limit: int) -> int:
        rows = await WebhookInbox.filter(processed_at__isnull=True).order_by("id").limit(limit)
        applied = 0
        for row in rows:
            courier = self._couriers.get(row.carrier)
            try:
                if courier is None:
                    raise UnknownCarrier(row.carrier)
                push = InboundPush(row.path_tail, dict(row.headers), bytes(row.body), row.content_type)
                await self._apply(row, courier.parse_push(push).events)
                applied += 1
            except (PushRejected, UnknownCarrier) as e:
                await WebhookInbox.filter(id=row.id).update(
                    processed_at=datetime.now(UTC), last_error=f"dropped: {e!r}"
                )
            except Exception as e:
                log.warning("replaying push %s failed: %s", row.id, e)
                await WebhookInbox.filter(id=row.id).update(
                    attempts=row.attempts + 1, last_error=repr(e)[:2000]
                )
        return applied

    async def _apply(self, row: WebhookInbox, events: Sequence[TrackingEvent]) -> None:
        by_number: dict[str, list[TrackingEvent]] = defaultdict(list)
        for event in events:
            by_number[event.tracking_number].append(event)
        unknown = []
        for number, group in by_number.items():
            shipment = await self._shipments.find_by_tracking_number(row.carrier, number)
            if shipment is None:
                unknown.append(number)
                continue
            now = datetime.now(UTC)
            state = await self._shipments.record_events(shipment.id, group, source="push", now=now)
            decision = plan_next_poll(state, now, self._intervals.get(row.carrier) or PollIntervals())
            await self._shipments.reschedule_poll(shipment.id, decision.next_poll_at, expire=decision.expire)
        note = f"unknown tracking numbers: {', '.join(unknown)}" if unknown else None
        await WebhookInbox.filter(id=row.id).update(processed_at=datetime.now(UTC), last_error=note)
