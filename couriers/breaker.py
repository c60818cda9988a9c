"""A circuit breaker that counts only what says a carrier is down: `RetryableError`.

Why our own rather than the `circuitbreaker` package: that one counts or resets on *any* exception outside its
expected list — so a rejected address (a normal business answer) reset the failure count, and a cancelled call
(`asyncio.CancelledError`, e.g. a caller's timeout) was counted too. The rules here:

- **closed**: calls pass. A `RetryableError` (timeout, 5xx, rate limited, carrier system error) adds one to
  a count of consecutive failures; only a success resets it. Anything else — a rejection, a configuration
  error, a cancellation — leaves the count alone: it says nothing about whether the carrier is up.
- **open** after `failure_threshold` consecutive failures: calls fail at once with `CarrierUnavailable`
  (itself a `RetryableError`, so callers' own retry schedules heal by themselves) for `recovery_seconds`.
- **half-open** once that time has passed: exactly one call — the probe — goes through; every other caller
  meanwhile fails fast. The probe's success closes the breaker; its `RetryableError` opens it for another
  `recovery_seconds`; any other outcome (cancelled, rejected) frees the probe slot for the next caller.

Calls that started before the breaker opened and finish after are stragglers: their outcome neither extends
nor ends an open period (only the probe decides). Time comes from an injectable monotonic `clock`, so tests
drive the breaker without sleeping.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from couriers.errors import RetryableError

__all__ = ["BreakerState", "CarrierUnavailable", "CircuitBreaker"]

T = TypeVar("T")


class CarrierUnavailable(RetryableError):
    """The circuit breaker is open: the carrier failed repeatedly and is left alone for a while."""


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """One per carrier transport; see the module docstring for the rules."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        recovery_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if recovery_seconds <= 0:
            raise ValueError("recovery_seconds must be positive")
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_seconds = recovery_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """The state as a caller arriving now would find it (open turns half-open once recovered)."""
        if self._state is BreakerState.OPEN and self.remaining_seconds() <= 0:
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def failures(self) -> int:
        """Consecutive `RetryableError`s counted while closed."""
        return self._failures

    def remaining_seconds(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when not open)."""
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.recovery_seconds - self._clock())

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run `attempt` if the breaker lets it through; `CarrierUnavailable` at once otherwise."""
        probe = self._admit()
        try:
            result = await attempt()
        except RetryableError:
            self._failed(probe)
            raise
        except BaseException:
            # Rejections, configuration errors, cancellation: no verdict on the carrier's health.
            if probe:
                self._probing = False
            raise
        self._succeeded(probe)
        return result

    def _admit(self) -> bool:
        """Let a call through (returning whether it is the half-open probe) or raise `CarrierUnavailable`."""
        state = self.state
        if state is BreakerState.CLOSED:
            return False
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._state = BreakerState.HALF_OPEN
            self._probing = True
            return True
        wait = self.remaining_seconds()
        detail = f"next try in {max(1, round(wait))} s" if wait > 0 else "a probe call is in flight"
        raise CarrierUnavailable(
            f"{self.name} is unavailable after repeated failures; {detail}",
            carrier=self.name,
            raw_code="CIRCUIT_OPEN",
        )

    def _failed(self, probe: bool) -> None:
        if probe:
            self._probing = False
            self._open()
        elif self._state is BreakerState.CLOSED:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _succeeded(self, probe: bool) -> None:
        if probe:
            self._probing = False
            self._state = BreakerState.CLOSED
            self._failures = 0
        elif self._state is BreakerState.CLOSED:
            self._failures = 0

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._failures = 0
