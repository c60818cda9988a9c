"""Pacing calls to a carrier so the whole replica stays within its published rate limit.

Why not `aiolimiter` (a dependency already): its leaky bucket lets a burst of `rate` calls through at once,
and carriers such as SF count calls per second strictly; evenly spaced calls never trip them. The clock and
sleep are injectable, so tests check the spacing on a virtual clock instead of timing anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

__all__ = ["Pacer", "pacers_for"]


class Pacer:
    """Lets one call start every `1 / rate` seconds, in arrival order, across all callers of one replica."""

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._spacing = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_slot = float("-inf")

    @property
    def spacing(self) -> float:
        return self._spacing

    async def wait(self) -> None:
        """Return when this caller may call the carrier. Slots are reserved before sleeping, so concurrent
        callers queue up one spacing apart instead of all waking at the same instant."""
        now = self._clock()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._spacing
        if slot > now:
            await self._sleep(slot - now)


def pacers_for(rates: Mapping[str, float]) -> dict[str, Pacer]:
    """One pacer per carrier code, shared by the poll job and live queries of the replica."""
    return {code: Pacer(rate) for code, rate in rates.items()}
