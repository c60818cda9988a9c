"""The polling safety net: claim due shipments, ask their carriers in batches, record, plan again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from couriers import Courier, CourierError, TrackQuery
from scheduler.policy import PollIntervals, plan_next_poll
from scheduler.ports import PollTask, TrackingStore
from scheduler.throttle import Pacer

__all__ = ["PollJob"]

log = logging.getLogger(__name__)

#: Part of a claim's lease kept back (at most `_MAX_LEASE_MARGIN` seconds) for recording the last answer and
#: for clock differences between replicas: every carrier call is over before the lease can run out.
_LEASE_MARGIN = 0.1
_MAX_LEASE_MARGIN = 5.0
#: A call is not started with less time than this left on the lease (at most this part of the lease).
_MIN_CALL_SECONDS = 1.0
_MIN_CALL_LEASE_PART = 0.25


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
        """One tick: returns how many shipments were polled.

        The claimed shipments are leased for `lease`; once it runs out another replica may claim them, since
        they are still due. So no carrier call may outlive the lease: each call's timeout is cut to the
        lease left, and the shipments that can no longer be polled in time (a slow or paced carrier, a big
        batch) are handed back, still due, for the next claim instead of being polled twice.
        """
        lease = self._lease.total_seconds()
        # The lease runs from `now`; the monotonic deadline is taken first, so it is never the later one.
        deadline = time.monotonic() + lease - min(lease * _LEASE_MARGIN, _MAX_LEASE_MARGIN)
        tasks = await self._store.claim_due_polls(datetime.now(UTC), self._batch, self._lease)
        by_carrier: dict[str, list[PollTask]] = defaultdict(list)
        for task in tasks:
            by_carrier[task.carrier].append(task)
        polled = 0
        for carrier, group in by_carrier.items():
            courier = self._couriers.get(carrier)
            size = courier.capabilities.track_batch_size if courier else len(group)
            for start in range(0, len(group), max(size, 1)):
                polled += await self._poll_batch(carrier, courier, group[start : start + size], deadline)
        return polled

    async def _poll_batch(
        self, carrier: str, courier: Courier | None, batch: Sequence[PollTask], deadline: float
    ) -> int:
        """Poll one carrier call's worth of shipments before `deadline` (monotonic); how many were polled."""
        intervals = self._intervals.get(carrier) or PollIntervals()
        try:
            if courier is None:
                raise CourierError(f"carrier {carrier!r} is not configured", carrier=carrier)
            await self._pacers[carrier].wait()
            budget = min(self._timeout, deadline - time.monotonic())
            if budget < min(_MIN_CALL_SECONDS, self._lease.total_seconds() * _MIN_CALL_LEASE_PART):
                await self._hand_back(carrier, batch)
                return 0
            results = await asyncio.wait_for(
                courier.track([TrackQuery(t.tracking_number, t.phone_tail) for t in batch]), budget
            )
        except (CourierError, TimeoutError, OSError) as e:
            log.info("polling %d shipments with %s failed: %s", len(batch), carrier, e or type(e).__name__)
            for task in batch:
                state = await self._store.record_poll_failure(task.shipment_id, str(e) or type(e).__name__)
                decision = plan_next_poll(state, datetime.now(UTC), intervals)
                await self._store.schedule_poll(
                    task.shipment_id, decision.next_poll_at, expire=decision.expire, lease=task.lease
                )
            return len(batch)
        events = {r.tracking_number: r.events for r in results}
        for task in batch:
            now = datetime.now(UTC)
            state = await self._store.record_events(
                task.shipment_id, events.get(task.tracking_number, ()), source="poll", now=now
            )
            decision = plan_next_poll(state, now, intervals)
            await self._store.schedule_poll(
                task.shipment_id, decision.next_poll_at, expire=decision.expire, lease=task.lease
            )
        return len(batch)

    async def _hand_back(self, carrier: str, batch: Sequence[PollTask]) -> None:
        """Release shipments the lease leaves no time to poll: still due, for the next claim (any replica)."""
        log.info("lease running out: %d shipments of %s are left for the next poll", len(batch), carrier)
        now = datetime.now(UTC)
        for task in batch:
            await self._store.schedule_poll(task.shipment_id, now, expire=False, lease=task.lease)
