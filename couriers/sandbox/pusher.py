"""Pushing a parcel's events to a subscriber as a real carrier does: on time, signed, retried, then dropped.

One asyncio task per subscribed number sleeps until the next planned event is due, then POSTs every event that
became due since the last push. A push that keeps failing is retried with exponential backoff and then given
up — the service's polling is the safety net, exactly as with a real carrier. Sleeps are capped so a clock
that jumps (or a test's virtual clock) is noticed, and `wake` re-plans at once, e.g. after a cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp

from couriers.events import TrackingEvent
from couriers.sandbox import wire

__all__ = ["DEFAULT_RETRY_DELAYS", "PushClient", "Subscriptions"]

log = logging.getLogger(__name__)

#: Real seconds to wait before each retry of a failed push (so 1 + 3 attempts).
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0, 16.0)
_MAX_SLEEP = 30.0


class PushClient:
    """Signs and POSTs push bodies over one lazily created ClientSession (or an injected one, left open)."""

    def __init__(
        self,
        secret: str,
        *,
        session: aiohttp.ClientSession | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        self._secret = secret
        self._session = session
        self._owns_session = session is None
        self._retry_delays = tuple(retry_delays)
        self._timeout = timeout or aiohttp.ClientTimeout(total=10, connect=5)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._owns_session = True
        return self._session

    async def send(self, url: str, tracking_number: str, events: Sequence[TrackingEvent]) -> bool:
        """Deliver one push; True once a 2xx answer came back, False after the last retry failed."""
        body = wire.encode_push(tracking_number, events)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            wire.SIGNATURE_HEADER: wire.sign(self._secret, body),
        }
        for attempt, delay in enumerate((*self._retry_delays, None), start=1):
            try:
                async with self._client().post(url, data=body, headers=headers) as response:
                    await response.read()
                    if 200 <= response.status < 300:
                        return True
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as e:
                problem = f"{type(e).__name__}: {e}"
            if delay is None:
                log.warning(
                    "sandbox push for %s gave up after %d attempts (%s)", tracking_number, attempt, problem
                )
                return False
            log.info("sandbox push for %s failed (%s); retrying in %.1fs", tracking_number, problem, delay)
            await asyncio.sleep(delay)
        return False  # pragma: no cover - the loop always returns

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None


@dataclass
class _Subscription:
    url: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    sent: set[tuple[str, str, str]] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


class Subscriptions:
    """The push tasks of one adapter, at most one per tracking number."""

    def __init__(
        self,
        client: PushClient,
        life: Callable[[str], list[TrackingEvent]],
        now: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._life = life
        self._now = now
        self._subs: dict[str, _Subscription] = {}

    def subscribe(self, tracking_number: str, url: str) -> None:
        """Start pushing `tracking_number` to `url`; subscribing again only re-targets later pushes."""
        existing = self._subs.get(tracking_number)
        if existing is not None:
            existing.url = url
            return
        sub = _Subscription(url)
        sub.task = asyncio.get_running_loop().create_task(
            self._run(tracking_number, sub), name=f"sandbox-push-{tracking_number}"
        )
        self._subs[tracking_number] = sub

    def wake(self, tracking_number: str) -> None:
        """Re-plan the number's pushes now (its life changed, e.g. it was cancelled)."""
        sub = self._subs.get(tracking_number)
        if sub is not None:
            sub.wake.set()

    def active(self) -> list[str]:
        """Numbers whose push task is still running."""
        return [n for n, s in self._subs.items() if s.task is not None and not s.task.done()]

    async def close(self) -> None:
        tasks = [s.task for s in self._subs.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, number: str, sub: _Subscription) -> None:
        try:
            while True:
                sub.wake.clear()
                now = self._now()
                events = self._life(number)
                due = [e for e in events if e.time <= now and e.key not in sub.sent]
                if due:
                    await self._client.send(sub.url, number, due)
                    sub.sent.update(e.key for e in due)  # sent or given up: polling is the safety net
                    continue  # the push may have taken a while: look at the clock again
                upcoming = [e.time for e in events if e.time > now]
                if not upcoming:
                    return  # the life is over (delivered or cancelled)
                wait = min((min(upcoming) - now).total_seconds(), _MAX_SLEEP)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sub.wake.wait(), timeout=max(wait, 0.0))
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not kill silently; the task ends, polling continues
            log.exception("sandbox push task for %s failed", number)
