"""Carrier pushes: authenticate, store durably and apply, acknowledge — and replay what failed to apply.

A push is committed to the inbox before the carrier gets its acknowledgement, so an acknowledged push
can always be applied later; applying is idempotent because events are deduplicated by key. Storing and
applying share one transaction with the pushes arriving at the same moment (`delivery.storage.inbox`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from couriers import (
    Courier,
    CourierError,
    InboundPush,
    PushOutcome,
    PushRejected,
    Status,
    TrackQuery,
)
from delivery.domain.masking import phone_tail
from delivery.storage.inbox import Inbox, InboxRetry, ReceivedPush, StoredPush
from delivery.storage.shipments import ShipmentRepository
from scheduler import PollDecision, PollIntervals, ShipmentState, plan_next_poll

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
        retry: InboxRetry | None = None,
    ) -> None:
        self._couriers = couriers
        self._shipments = shipments
        self._intervals = intervals
        self._callback_url = callback_url
        self._resubscribing: set[asyncio.Task[None]] = set()
        self.inbox = Inbox(shipments, self._plan, retry)

    def _plan(self, carrier: str, state: ShipmentState, now: datetime) -> PollDecision:
        return plan_next_poll(state, now, self._intervals.get(carrier) or PollIntervals())

    async def receive(self, carrier: str, push: InboundPush) -> PushOutcome:
        """Raises `UnknownCarrier` or `PushRejected` (nothing stored), or the storage error when the push
        could not be stored (do not acknowledge); otherwise the push is committed before returning —
        applied, or pending in the inbox when applying failed (the replay job applies it later)."""
        courier = self._couriers.get(carrier)
        if courier is None:
            raise UnknownCarrier(carrier)
        outcome = courier.parse_push(push)
        headers = {k.lower(): v for k, v in push.headers.items() if k.lower() not in _DROPPED_HEADERS}
        await self.inbox.accept(
            ReceivedPush(carrier, push.path_tail, push.content_type, headers, push.body, outcome.events)
        )
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
        """Finish the inbox writes and resubscriptions in flight so none is cut off at shutdown."""
        await self.inbox.close()
        if self._resubscribing:
            await asyncio.gather(*self._resubscribing, return_exceptions=True)

    async def process_pending_pushes(self, limit: int, *, now: datetime | None = None) -> int:
        """Replay up to `limit` due pushes claimed by this replica; returns how many were applied.

        A failed attempt is retried with backoff; after the last one, or at once when no retry can help
        (the carrier is no longer configured, the stored push no longer parses), the push is parked as
        failed — kept, logged at error and counted by `count_failed_pushes`.
        """
        now = now or datetime.now(UTC)
        applied = 0
        for stored in await self.inbox.claim_due(now, limit):
            courier = self._couriers.get(stored.carrier)
            if courier is None:
                await self._park(stored, f"no carrier {stored.carrier!r} is configured", now)
                continue
            push = InboundPush(stored.path_tail, dict(stored.headers), stored.body, stored.content_type)
            try:
                events = courier.parse_push(push).events
            except PushRejected as e:
                await self._park(stored, f"the stored push no longer parses: {e!r}", now)
                continue
            try:
                await self.inbox.replay(stored, events, now=now)
            except Exception as e:
                if await self.inbox.record_failure(stored, repr(e), now=now):
                    log.error(
                        "push %s from %s failed %d times; parked as failed: %r",
                        stored.id,
                        stored.carrier,
                        stored.attempts + 1,
                        e,
                    )
                else:
                    log.warning(
                        "replaying push %s from %s failed (will retry): %r", stored.id, stored.carrier, e
                    )
                continue
            applied += 1
        return applied

    async def _park(self, stored: StoredPush, reason: str, now: datetime) -> None:
        log.error("push %s from %s parked as failed: %s", stored.id, stored.carrier, reason)
        await self.inbox.park(stored, reason, now=now)
