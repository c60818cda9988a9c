"""APScheduler wiring: the background jobs of one service replica.

Every replica runs every job; leases taken in the database keep replicas from doing the same work.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

__all__ = ["BackgroundJobs"]

log = logging.getLogger(__name__)


class BackgroundJobs:
    """Owns one AsyncIOScheduler; started and stopped with the web application."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def every(self, seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        async def guarded() -> None:
            # A failing tick must not kill the job: log it and let the next tick try again.
            try:
                await job()
            except Exception:
                log.exception("background job %s failed", name)

        self._scheduler.add_job(
            guarded,
            "interval",
            seconds=seconds,
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)
