"""Keeping the public tracking route from being used to guess phone tails or harvest parcels.

Two limits, both in memory per replica (a province running N replicas allows up to N times as much;
acceptable for guessing: 4 digits need thousands of tries):
- wrong phone tails per tracking number: after `wrong_tail_limit` failures within `wrong_tail_window`, the
  number is locked for everyone, the right tail included, until the window passes — otherwise the lock would
  not stop guessing. Unknown numbers count too, so a 429 never reveals that a number exists;
- distinct numbers per client address within `client_window` (sweeping); asking again about a number
  already asked about is free.
Pure: the clock is injected, state is bounded by `max_keys` (oldest keys are forgotten first).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["TrackingLimits", "TrackingRateLimiter"]

_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class TrackingLimits:
    wrong_tail_limit: int = 5
    wrong_tail_window: float = 900.0
    numbers_per_client: int = 30
    client_window: float = 3600.0
    max_keys: int = 100_000


class TrackingRateLimiter:
    def __init__(self, limits: TrackingLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._clients: OrderedDict[str, OrderedDict[str, float]] = OrderedDict()

    def check(self, client: str, tracking_number: str) -> float | None:
        """Seconds to wait before asking (None: go ahead). Records the number against the client."""
        now = self._clock()
        limits = self.limits
        failures = self._failures.get(tracking_number)
        if failures is not None:
            while failures and now - failures[0] >= limits.wrong_tail_window:
                failures.popleft()
            if len(failures) >= limits.wrong_tail_limit:
                return _seconds(failures[0] + limits.wrong_tail_window - now)
        seen = self._clients.get(client)
        if seen is None:
            seen = self._clients[client] = OrderedDict()
        self._clients.move_to_end(client)
        while seen and now - next(iter(seen.values())) >= limits.client_window:
            seen.popitem(last=False)
        if tracking_number not in seen:
            if len(seen) >= limits.numbers_per_client:
                return _seconds(next(iter(seen.values())) + limits.client_window - now)
            seen[tracking_number] = now
        _trim(self._clients, limits.max_keys)
        return None

    def wrong_tail(self, tracking_number: str) -> None:
        """A failed attempt for this number: unknown number, missing or wrong tail."""
        failures = self._failures.get(tracking_number)
        if failures is None:
            failures = self._failures[tracking_number] = deque(maxlen=max(self.limits.wrong_tail_limit, 1))
        self._failures.move_to_end(tracking_number)
        failures.append(self._clock())
        _trim(self._failures, self.limits.max_keys)


def _seconds(value: float) -> float:
    return float(max(1, math.ceil(value)))


def _trim(entries: OrderedDict[str, _V], size: int) -> None:
    while len(entries) > size:
        entries.popitem(last=False)
