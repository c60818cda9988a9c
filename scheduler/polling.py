"""The polling safety net: claim due shipments, ask their carriers in batches, record, plan again."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from couriers import Courier, CourierError, TrackQuery
from scheduler.policy import PollIntervals, plan_next_poll
from scheduler.ports import PollTask, TrackingStore
from scheduler.throttle import Pacer

__all__ = ["PollJob"]

log = logging.getLogger(__name__)


class PollJob:
    def __init__(
        self,
        store: TrackingStore,
        couriers: Mapping[str, Courier],
        intervals: Mapping[str, PollIntervals],
        *,
        lease: timedelta,
        batch: int = 200,
        timeout: float = 30.0,
        pacers: Mapping[str, Pacer] | None = None,
    ) -> None:
        """`intervals` is per carrier code, so a carrier's own query rule is honoured; `pacers` (per carrier
        code, shared with live queries) keep calls within the carrier's rate limit — by default one pacer per
        carrier at its declared `rate_limit_per_second`."""
        self._store = store
        self._couriers = couriers
        self._intervals = intervals
        self._lease = lease
        self._batch = batch
        self._timeout = timeout
        self._pacers = dict(pacers) if pacers is not None else {}
        for code, courier in couriers.items():
            self._pacers.setdefault(code, Pacer(courier.capabilities.rate_limit_per_second))

    async def run(self) -> int:
        """One tick: returns how many shipments were polled."""
        tasks = await self._store.claim_due_polls(datetime.now(UTC), self._batch, self._lease)
        by_carrier: dict[str, list[PollTask]] = defaultdict(list)
        for task in tasks:
            by_carrier[task.carrier].append(task)
        for carrier, group in by_carrier.items():
            courier = self._couriers.get(carrier)
            size = courier.capabilities.track_batch_size if courier else len(group)
            for start in range(0, len(group), max(size, 1)):
                await self._poll_batch(carrier, courier, group[start : start + size])
        return len(tasks)

    async def _poll_batch(self, carrier: str, courier: Courier | None, batch: Sequence[PollTask]) -> None:
        intervals = self._intervals.get(carrier) or PollIntervals()
        try:
            if courier is None:
                raise CourierError(f"carrier {carrier!r} is not configured", carrier=carrier)
            await self._pacers[carrier].wait()
            results = await asyncio.wait_for(
                courier.track([TrackQuery(t.tracking_number, t.phone_tail) for t in batch]), self._timeout
            )
        except (CourierError, TimeoutError, OSError) as e:
            log.info("polling %d shipments with %s failed: %s", len(batch), carrier, e or type(e).__name__)
            for task in batch:
                state = await self._store.record_poll_failure(task.shipment_id, str(e) or type(e).__name__)
                decision = plan_next_poll(state, datetime.now(UTC), intervals)
                await self._store.schedule_poll(
                    task.shipment_id, decision.next_poll_at, expire=decision.expire
                )
            return
        events = {r.tracking_number: r.events for r in results}
        for task in batch:
            now = datetime.now(UTC)
            state = await self._store.record_events(
                task.shipment_id, events.get(task.tracking_number, ()), source="poll", now=now
            )
            decision = plan_next_poll(state, now, intervals)
            await self._store.schedule_poll(task.shipment_id, decision.next_poll_at, expire=decision.expire)
