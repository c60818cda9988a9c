"""Answering "where is my licence?" with the truth within seconds, whatever the carrier does.

The answer comes from the read model (`answers`). When what we hold is older than `fresh` and the carrier
allows another query (its minimum interval), the request asks the carrier live: concurrent requests for one
number share a single call, and a slow or failing carrier costs the citizen at most `live_timeout` before
the stored answer is served instead. The call itself carries on in the background and its result is
recorded like a poll, so the next request sees it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

from couriers import Courier, TrackQuery
from delivery.services.answers import AnswerCache, TrackingAnswer, build_answer
from delivery.storage.shipments import ShipmentChange, ShipmentRepository
from scheduler import Pacer, PollIntervals, plan_next_poll, query_allowed

__all__ = ["TrackingService"]

log = logging.getLogger(__name__)

Publish = Callable[[str], Awaitable[None]]

#: A live query abandoned by its requests still finishes in the background, but not forever.
_CALL_LIMIT_SECONDS = 30.0


class TrackingService:
    """One per replica; keeps the read model current by listening to the repository's changes."""

    def __init__(
        self,
        shipments: ShipmentRepository,
        couriers: Mapping[str, Courier],
        intervals: Mapping[str, PollIntervals],
        pacers: Mapping[str, Pacer],
        *,
        fresh: timedelta,
        live_timeout: float,
        cache_size: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shipments = shipments
        self._couriers = couriers
        self._intervals = intervals
        self._pacers = pacers
        self._fresh = fresh
        self._live_timeout = live_timeout
        self._clock = clock
        self.cache = AnswerCache(cache_size, fresh.total_seconds(), clock=clock)
        self._inflight: dict[str, asyncio.Task[None]] = {}
        #: When a live query was last started per number: at most one per `fresh`, even if it failed.
        self._attempted: OrderedDict[str, float] = OrderedDict()
        self._attempts_kept = max(cache_size, 1000)
        self._publishers: list[Publish] = []
        self.live_calls = 0
        shipments.add_listener(self._on_change)

    @property
    def pacers(self) -> Mapping[str, Pacer]:
        """Per-carrier pacers, shared with the poll job so both stay within one rate limit together."""
        return self._pacers

    def add_publisher(self, publish: Publish) -> None:
        """Told the tracking number of every change this replica stores (streams, other replicas)."""
        self._publishers.append(publish)

    def invalidate(self, tracking_number: str) -> None:
        """Another replica stored a change: forget our copy so the next request reads the database."""
        self.cache.drop(tracking_number)

    async def answer(self, tracking_number: str, *, refresh: bool = True) -> TrackingAnswer | None:
        """The public answer for a number (None when unknown), refreshed live first when stale."""
        answer = self.cache.get(tracking_number) or await self._load(tracking_number)
        if answer is None or not refresh or not self._should_query(answer):
            return answer
        task = self._inflight.get(tracking_number)
        if task is None:
            task = asyncio.create_task(self._query_carrier(answer))
            self._inflight[tracking_number] = task
            task.add_done_callback(self._finished)
        try:
            await asyncio.wait_for(asyncio.shield(task), self._live_timeout)
        except TimeoutError:
            log.info("live query of %s is slow; answering from storage", tracking_number)
            return answer
        except Exception:
            return answer
        return self.cache.get(tracking_number) or await self._load(tracking_number) or answer

    def _finished(self, task: asyncio.Task[None]) -> None:
        for number, running in list(self._inflight.items()):
            if running is task:
                del self._inflight[number]
        if not task.cancelled():
            task.exception()  # logged in the task; retrieved so asyncio does not warn again

    def _should_query(self, answer: TrackingAnswer) -> bool:
        if answer.tracking_number in self._inflight:
            return True  # join the call already in flight (single flight)
        if answer.carrier not in self._couriers:
            return False
        now = datetime.now(UTC)
        heard = answer.heard_at
        if heard is not None and now - heard <= self._fresh:
            return False
        attempted = self._attempted.get(answer.tracking_number)
        if attempted is not None and self._clock() - attempted < self._fresh.total_seconds():
            return False
        return query_allowed(answer.state, now, self._intervals.get(answer.carrier) or PollIntervals())

    async def _load(self, tracking_number: str) -> TrackingAnswer | None:
        if not 0 < len(tracking_number) <= 64:
            return None
        found = await self._shipments.find_for_tracking(tracking_number)
        if found is None:
            return None
        answer = build_answer(*found, clock=self._clock)
        self.cache.put(answer)
        return answer

    async def _query_carrier(self, answer: TrackingAnswer) -> None:
        number, carrier = answer.tracking_number, answer.carrier
        self._attempted[number] = self._clock()
        self._attempted.move_to_end(number)
        while len(self._attempted) > self._attempts_kept:
            self._attempted.popitem(last=False)
        courier = self._couriers[carrier]
        try:
            pacer = self._pacers.get(carrier)
            if pacer is not None:
                await pacer.wait()
            self.live_calls += 1
            results = await asyncio.wait_for(
                courier.track([TrackQuery(number, answer.phone_tail)]), _CALL_LIMIT_SECONDS
            )
            events = next((r.events for r in results if r.tracking_number == number), ())
            now = datetime.now(UTC)
            shipment_id = answer.state.shipment_id
            state = await self._shipments.record_events(shipment_id, events, source="live", now=now)
            decision = plan_next_poll(state, now, self._intervals.get(carrier) or PollIntervals())
            await self._shipments.reschedule_poll(shipment_id, decision.next_poll_at, expire=decision.expire)
            # Nothing new is no change, but the answer is now known to be current: rebuild it.
            self.cache.drop(number)
            await self._load(number)
        except Exception as e:
            log.info("live query of %s with %s failed: %s", number, carrier, e or type(e).__name__)
            raise

    async def _on_change(self, change: ShipmentChange) -> None:
        answer = build_answer(change.shipment, change.timeline, clock=self._clock)
        self.cache.put(answer)
        for publish in self._publishers:
            await publish(answer.tracking_number)
