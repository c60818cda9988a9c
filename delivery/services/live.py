"""Telling open tracking streams that a shipment changed — in this replica, and in the others.

With SQLite (one process) changes are delivered in process. With PostgreSQL every change is announced with
NOTIFY on one channel and every replica LISTENs on a dedicated asyncpg connection, so a push received by one
replica reaches a stream held by another, and the other replicas drop their cached answer. A lost
notification (a listener reconnecting) costs at most the read model's ttl (`tracking.fresh_seconds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg

from delivery.storage.database import connection

__all__ = ["CHANNEL", "ChangeFeed"]

log = logging.getLogger(__name__)

CHANNEL = "certpost_tracking"
_RECONNECT_SECONDS = 2.0


class ChangeFeed:
    """Subscriptions by tracking number; `publish` reaches every replica's subscribers."""

    def __init__(self, *, on_remote_change: Callable[[str], None] | None = None) -> None:
        self.replica = uuid.uuid4().hex[:12]
        self._on_remote_change = on_remote_change
        self._subscribers: defaultdict[str, set[asyncio.Queue[None]]] = defaultdict(set)
        self._dsn: str | None = None
        self._listener: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    @contextlib.asynccontextmanager
    async def subscribe(self, tracking_number: str) -> AsyncIterator[asyncio.Queue[None]]:
        """A queue that receives a token whenever the number changes (tokens coalesce: size one)."""
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._subscribers[tracking_number].add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(tracking_number)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[tracking_number]

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    async def publish(self, tracking_number: str) -> None:
        if self._dsn is None:
            self._deliver(tracking_number)
            return
        try:
            await connection().execute_query(
                "SELECT pg_notify($1, $2)", [CHANNEL, f"{self.replica}:{tracking_number}"]
            )
        except Exception:
            log.exception("NOTIFY for %s failed; delivering in this replica only", tracking_number)
            self._deliver(tracking_number)

    def _deliver(self, tracking_number: str) -> None:
        for queue in self._subscribers.get(tracking_number, ()):
            if queue.empty():
                queue.put_nowait(None)

    # -- PostgreSQL ------------------------------------------------------------------------------

    async def start(self, database_url: str) -> None:
        """LISTEN when the database is PostgreSQL; nothing to start for SQLite."""
        if not database_url.startswith(("postgres://", "postgresql://", "asyncpg://")):
            return
        self._dsn = "postgresql://" + database_url.split("://", 1)[1]
        self._listener = asyncio.create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), 10)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self) -> None:
        assert self._dsn is not None
        while True:
            conn: asyncpg.Connection[Any] | None = None
            try:
                conn = await asyncpg.connect(self._dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, event=lost: event.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                self.listening.set()
                await lost.wait()
                log.warning("lost the LISTEN connection; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as e:
                log.warning("cannot LISTEN for tracking changes: %s", e)
            finally:
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(_RECONNECT_SECONDS)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        replica, _, number = payload.partition(":")
        if replica != self.replica and self._on_remote_change is not None:
            self._on_remote_change(number)
        self._deliver(number)
