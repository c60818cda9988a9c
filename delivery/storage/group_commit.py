"""Group commit: writers that arrive while a transaction is committing share the next one.

Each caller still waits for the commit that holds its item, so "stored before acknowledged" keeps
holding; what is shared is the commit (on SQLite one WAL fsync for the group, with `synchronous=FULL`
still in force, so an acknowledged item survives a power cut as well as a crash). Nothing waits for a
group to fill: the first caller is written at once, and whoever arrives meanwhile goes in the next
group, so a lone caller pays no extra latency.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`submit` returns (or raises) what `write` gave for that item once the group's write finished.

    `write` receives up to `max_group` items and returns one result per item, in order; if it raises,
    every caller of that group gets the exception (nothing in it was committed).
    """

    def __init__(
        self, write: Callable[[Sequence[T]], Awaitable[Sequence[R]]], *, max_group: int = 64
    ) -> None:
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        self._write = write
        self._max_group = max_group
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = loop.create_task(self._drain(), name="group-commit")
        # A caller that gives up (cancelled) does not stop the write: its item is stored all the same.
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                try:
                    results = await self._write([item for item, _ in group])
                except Exception as e:
                    for _, future in group:
                        if not future.done():
                            future.set_exception(e)
                    continue
                except BaseException as e:  # cancelled at shutdown: fail the waiters, then stop
                    for _, future in [*group, *self._waiting]:
                        if not future.done():
                            future.set_exception(RuntimeError(f"group commit stopped: {e!r}"))
                    self._waiting.clear()
                    raise
                if len(results) != len(group):
                    error = RuntimeError(f"group write returned {len(results)} results for {len(group)}")
                    for _, future in group:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(group, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._writer = None

    @property
    def busy(self) -> bool:
        return self._writer is not None

    async def close(self) -> None:
        """Wait for the groups already submitted to be written."""
        while self._writer is not None:
            await asyncio.wait({self._writer})
