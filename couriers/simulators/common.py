"""What every carrier simulator shares: a virtual clock, scripted parcel lives, faults, a call log and pushes.

A simulator is an aiohttp app speaking one carrier's wire protocol (signatures, envelopes, error codes). The
protocol lives in the carrier's own module; this module holds the carrier-neutral state behind it, so each
simulator is only its protocol. Time is virtual: `SimClock` runs at `time_scale` × real time and tests move it
with `advance`, so a three-day parcel life takes milliseconds.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

__all__ = [
    "SIMULATOR",
    "DeliveredPush",
    "Faults",
    "OutboundPush",
    "SimClock",
    "SimParcel",
    "Simulator",
    "Step",
    "Subscription",
    "TokenBucket",
    "run_simulator",
]

log = logging.getLogger(__name__)

#: The app key under which a simulator's aiohttp app holds the simulator itself.
SIMULATOR: web.AppKey[Simulator] = web.AppKey("simulator")


class SimClock:
    """Virtual time: `start + elapsed real time × time_scale + manual advances`, always UTC."""

    def __init__(self, start: datetime | None = None, *, time_scale: float = 0.0) -> None:
        """`time_scale` 0 freezes time (tests `advance` it); 1 is real time; 3600 runs an hour a second."""
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._t0 = time.monotonic()
        self.time_scale = time_scale
        self._offset = timedelta()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._t0) * self.time_scale
        return self._start + timedelta(seconds=elapsed) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


class TokenBucket:
    """A carrier's rate limit: `rate` calls per second of real time, bursts of `capacity` (default `rate`).

    The same shape as the adapter's limiter, so an adapter that honours its declared rate is never refused.
    Tests lower `rate` and `tokens` to provoke the carrier's rate-limit answer.
    """

    def __init__(self, rate: float, capacity: float | None = None) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate if capacity is None else capacity)
        self.tokens = self.capacity
        self._stamp = time.monotonic()

    def take(self) -> bool:
        """Spend one token if there is one."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(frozen=True, slots=True)
class Step:
    """One scripted event, `after` the booking, in the carrier's raw vocabulary."""

    after: timedelta
    code: str
    text: str
    location: str = ""


@dataclass(slots=True)
class SimParcel:
    """An order the simulator accepted, with the script its parcel follows."""

    order_id: str
    tracking_number: str
    booked_at: datetime
    script: Sequence[Step]
    phone: str = ""
    request: Mapping[str, Any] = field(default_factory=dict)
    cancelled_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def happened(self, now: datetime) -> list[tuple[datetime, Step]]:
        """Events that have happened by `now`; a cancelled parcel's script stops at the cancellation."""
        end = now if self.cancelled_at is None else min(now, self.cancelled_at)
        return [(self.booked_at + s.after, s) for s in self.script if self.booked_at + s.after <= end]

    def picked_up(self, now: datetime, pickup_codes: frozenset[str]) -> bool:
        return any(step.code in pickup_codes for _, step in self.happened(now))


@dataclass(slots=True)
class Faults:
    """Switches a test flips to make the carrier misbehave the way real ones do."""

    #: Answer every request with this HTTP status (e.g. 503) — the carrier is down.
    down_status: int | None = None
    #: Answer the next N requests with HTTP 500, then recover.
    fail_next: int = 0
    #: Sleep this long before answering (to trip client timeouts).
    delay_seconds: float = 0.0
    #: Carry out the next N requests, then drop the connection instead of answering: the carrier did the
    #: work (an order is booked) but the caller never hears it — what a timeout after sending looks like.
    lose_answers: int = 0

    def take_failure(self) -> int | None:
        if self.down_status is not None:
            return self.down_status
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500
        return None

    def take_lost_answer(self) -> bool:
        """Whether the answer to the request just handled is lost (counts `lose_answers` down)."""
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return True
        return False


@dataclass(frozen=True, slots=True)
class OutboundPush:
    """A push exactly as the carrier would send it."""

    url: str
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)
    tracking_number: str = ""
    event_count: int = 0


@dataclass(frozen=True, slots=True)
class DeliveredPush:
    push: OutboundPush
    status: int
    body: bytes
    acknowledged: bool


@dataclass(slots=True)
class Subscription:
    tracking_number: str
    callback_url: str
    pushed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Simulator(abc.ABC):
    """State and behaviour common to all carrier simulators; subclasses add the protocol in `routes`."""

    #: The carrier code this simulator speaks for (matches the adapter's `code`).
    code: str = ""
    #: Most events one push carries (None: all that are due); the rest follow in the next round.
    push_batch_limit: int | None = None

    def __init__(self, *, clock: SimClock | None = None, push_interval: float = 1.0) -> None:
        self.clock = clock or SimClock()
        self.faults = Faults()
        self.calls: Counter[str] = Counter()
        self.parcels: dict[str, SimParcel] = {}
        self.orders: dict[str, SimParcel] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: list[DeliveredPush] = []
        self.push_interval = push_interval
        self._session: aiohttp.ClientSession | None = None
        self._push_task: asyncio.Task[None] | None = None
        self._serial = 0
        self._scripts: dict[str, tuple[Step, ...]] = {}

    # -- what a subclass provides ---------------------------------------------------------------------------

    @abc.abstractmethod
    def routes(self) -> list[web.AbstractRouteDef]:
        """The carrier's endpoints."""

    @abc.abstractmethod
    def default_script(self, order_id: str) -> Sequence[Step]:
        """The life a newly booked parcel follows unless a test scripted another one."""

    @abc.abstractmethod
    def encode_push(
        self, subscription: Subscription, events: Sequence[tuple[datetime, Step]]
    ) -> OutboundPush:
        """The carrier's push request for these new events."""

    @abc.abstractmethod
    def is_acknowledged(self, status: int, body: bytes) -> bool:
        """Whether the receiver answered the push as the carrier requires (else it is retried)."""

    def adapter_config(self, base_url: str) -> dict[str, Any]:
        """The `[couriers.<code>]` settings that point the adapter at this simulator served at `base_url`."""
        raise NotImplementedError(f"{type(self).__name__} does not describe its adapter config")

    # -- shared behaviour -----------------------------------------------------------------------------------

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def add_parcel(self, parcel: SimParcel) -> SimParcel:
        self.parcels[parcel.tracking_number] = parcel
        self.orders[parcel.order_id] = parcel
        return parcel

    def script_next(self, order_id: str, script: Sequence[Step]) -> None:
        """Make the order booked under `order_id` follow `script` instead of the default life."""
        self._scripts[order_id] = tuple(script)

    def script_for(self, order_id: str) -> Sequence[Step]:
        return self._scripts.pop(order_id, None) or self.default_script(order_id)

    def subscribe(self, tracking_number: str, callback_url: str, **extra: Any) -> bool:
        """Start pushing this number to `callback_url`; False when it was already subscribed there."""
        existing = self.subscriptions.get(tracking_number)
        if existing is not None and existing.callback_url == callback_url:
            return False
        self.subscriptions[tracking_number] = Subscription(tracking_number, callback_url, extra=dict(extra))
        return True

    def pending_pushes(self) -> list[tuple[Subscription, OutboundPush, int]]:
        """Pushes due now: for each subscription, the events it has not yet acknowledged (at most
        `push_batch_limit` of them)."""
        now = self.clock.now()
        due = []
        for sub in self.subscriptions.values():
            parcel = self.parcels.get(sub.tracking_number)
            if parcel is None:
                continue
            events = parcel.happened(now)
            if len(events) > sub.pushed:
                end = len(events) if self.push_batch_limit is None else sub.pushed + self.push_batch_limit
                chunk = events[sub.pushed : end]
                due.append((sub, self.encode_push(sub, chunk), sub.pushed + len(chunk)))
        return due

    async def deliver_pushes(self) -> list[DeliveredPush]:
        """Send every due push once; acknowledged ones are not sent again, others are retried next time."""
        session = self.client()
        results = []
        for sub, push, upto in self.pending_pushes():
            try:
                async with session.post(
                    push.url,
                    data=push.body,
                    headers={"Content-Type": push.content_type, **push.headers},
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as resp:
                    delivered = DeliveredPush(push, resp.status, await resp.read(), False)
            except (aiohttp.ClientError, TimeoutError) as e:
                log.info("%s simulator: push to %s failed: %s", self.code, push.url, type(e).__name__)
                delivered = DeliveredPush(push, 0, b"", False)
            if self.is_acknowledged(delivered.status, delivered.body):
                sub.pushed = upto
                delivered = DeliveredPush(push, delivered.status, delivered.body, True)
            results.append(delivered)
            self.deliveries.append(delivered)
        return results

    def refuse(self) -> web.Response | None:
        """The fault answer for this request, if a test switched one on."""
        status = self.faults.take_failure()
        if status is None:
            return None
        return web.Response(status=status, text=f"simulated {self.code} failure")

    def app(self, *, push_in_background: bool = False) -> web.Application:
        """The carrier's aiohttp app; with `push_in_background`, due pushes are sent every `push_interval`."""
        app = web.Application(middlewares=[self._faults_middleware])
        app.add_routes(self.routes())
        app[SIMULATOR] = self
        if push_in_background:
            app.on_startup.append(self._start_pushing)
        app.on_cleanup.append(self._stop)
        return app

    @web.middleware
    async def _faults_middleware(
        self, request: web.Request, handler: Callable[..., Any]
    ) -> web.StreamResponse:
        if self.faults.delay_seconds:
            await asyncio.sleep(self.faults.delay_seconds)
        refused = self.refuse()
        if refused is not None:
            return refused
        response: web.StreamResponse = await handler(request)
        if self.faults.take_lost_answer() and request.transport is not None:
            request.transport.abort()  # the work is done; the answer never leaves
        return response

    async def _start_pushing(self, _app: web.Application) -> None:
        self._push_task = asyncio.create_task(self._push_loop(), name=f"{self.code}-simulator-pushes")

    async def _push_loop(self) -> None:
        while True:
            try:
                await self.deliver_pushes()
            except Exception:  # pragma: no cover - keep pushing whatever one round did
                log.exception("%s simulator: push round failed", self.code)
            await asyncio.sleep(self.push_interval)

    def client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _stop(self, _app: web.Application | None = None) -> None:
        if self._push_task is not None:
            self._push_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._push_task
            self._push_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def close(self) -> None:
        await self._stop()


async def run_simulator(simulator: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> web.AppRunner:
    """Start `simulator` with background pushes; the caller cleans the returned runner up."""
    runner = web.AppRunner(simulator.app(push_in_background=True), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner
