"""Poll planning: when to ask a carrier again about a shipment. Pure; the jobs apply it.

Intervals follow what the parcel is doing; when the carrier's pushes are arriving, polling only
needs to be a slow safety net.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from couriers import Status
from scheduler.ports import ShipmentState

__all__ = ["PollDecision", "PollIntervals", "backoff_delay", "plan_next_poll", "query_allowed"]


@dataclass(frozen=True, slots=True)
class PollIntervals:
    awaiting_pickup: timedelta = timedelta(minutes=30)
    moving: timedelta = timedelta(hours=2)
    out_for_delivery: timedelta = timedelta(minutes=30)
    locker: timedelta = timedelta(hours=6)
    problem: timedelta = timedelta(hours=1)
    #: Multiplier applied while pushes keep arriving (a push within the last `moving` interval).
    push_slowdown: float = 4.0
    expire_after: timedelta = timedelta(days=30)
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)
    #: A carrier's own minimum interval between queries for one number (Kuaidi100: 30 minutes).
    carrier_minimum: timedelta = timedelta(0)

    def for_status(self, status: Status) -> timedelta:
        if status in (Status.PENDING, Status.INFO_RECEIVED):
            return self.awaiting_pickup
        if status is Status.OUT_FOR_DELIVERY:
            return self.out_for_delivery
        if status is Status.AVAILABLE_FOR_PICKUP:
            return self.locker
        if status in (Status.EXCEPTION, Status.DELIVERY_FAILED):
            return self.problem
        return self.moving


@dataclass(frozen=True, slots=True)
class PollDecision:
    next_poll_at: datetime | None
    expire: bool = False


def plan_next_poll(state: ShipmentState, now: datetime, intervals: PollIntervals) -> PollDecision:
    if state.status.terminal:
        return PollDecision(None)
    last_news = state.last_event_at or state.booked_at
    if last_news is not None and now - last_news >= intervals.expire_after:
        return PollDecision(None, expire=True)
    if state.poll_failures:
        delay = backoff_delay(state.poll_failures, intervals.retry_base, intervals.retry_max)
        return PollDecision(now + max(delay, intervals.carrier_minimum))
    interval = intervals.for_status(state.status)
    if state.last_push_at is not None and now - state.last_push_at <= intervals.moving:
        interval = interval * intervals.push_slowdown
    return PollDecision(now + max(interval, intervals.carrier_minimum))


def query_allowed(state: ShipmentState, now: datetime, intervals: PollIntervals) -> bool:
    """May we ask the carrier about this number now (a citizen's live query, outside the poll plan)?

    Never for a terminal shipment, and never sooner than the carrier's own minimum interval after the
    last query: Kuaidi100 blocks numbers queried more often than every 30 minutes.
    """
    if state.status.terminal:
        return False
    if state.last_checked_at is None:
        return True
    return now - state.last_checked_at >= intervals.carrier_minimum


def backoff_delay(
    failures: int, base: timedelta, cap: timedelta, rng: random.Random | None = None
) -> timedelta:
    """Exponential backoff with full jitter, so failed shipments don't all retry in the same tick."""
    rng = rng or random.Random()
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** max(failures - 1, 0))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))
