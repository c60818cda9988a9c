"""How every adapter talks to its carrier: one session, timeouts, a rate limit, retries and a circuit breaker.

Adapters describe *what* to send and how to read the answer; `CarrierTransport.call` decides *when* to send
it. Only `RetryableError` is retried (exponential backoff with full jitter, via tenacity) and only it counts
towards the circuit breaker (`couriers.breaker`): a carrier that rejects an address is healthy, one that times
out is not. When the breaker is open, calls fail at once with `CarrierUnavailable` (a `RetryableError`), so
a dead carrier costs nothing and the caller's own retry schedule (the booking job, the poller) heals it by
itself.
`call(..., retry=False)` sends exactly once — for requests that must never be repeated automatically (a
Kuaidi100 real-time query: asking twice within 30 minutes locks the number).

Credentials never reach the logs: requests are logged by operation name, status and duration only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from couriers.breaker import BreakerState, CarrierUnavailable, CircuitBreaker
from couriers.config_values import Section
from couriers.errors import RetryableError

__all__ = ["TRANSPORT_KEYS", "CarrierTransport", "CarrierUnavailable", "Response", "TransportPolicy"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class TransportPolicy:
    """Knobs with safe defaults; adapters pass the carrier's documented rate limit."""

    timeout_seconds: float = 10.0
    attempts: int = 3
    backoff_initial: float = 0.2
    backoff_max: float = 5.0
    rate_per_second: float = 10.0
    breaker_failures: int = 5
    breaker_reset_seconds: float = 30.0

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, rate_per_second: float, carrier: str = ""
    ) -> TransportPolicy:
        """Read the optional keys named in `TRANSPORT_KEYS`; a bad value is a `ConfigurationError` naming
        `couriers.<carrier>.<key>` and the value (a zero rate or breaker threshold would divide by zero or
        never let a call through, so they are refused here rather than failing later)."""
        section = Section(carrier, config)
        return cls(
            timeout_seconds=section.positive_number("timeout_seconds", cls.timeout_seconds),
            attempts=section.whole_number("attempts", cls.attempts, minimum=1),
            rate_per_second=section.positive_number("rate_per_second", rate_per_second),
            breaker_failures=section.whole_number("breaker_failures", cls.breaker_failures, minimum=1),
            breaker_reset_seconds=section.positive_number("breaker_reset_seconds", cls.breaker_reset_seconds),
        )


#: Config keys every adapter accepts on top of its own (see `TransportPolicy.from_config`).
TRANSPORT_KEYS = frozenset(
    {"timeout_seconds", "attempts", "rate_per_second", "breaker_failures", "breaker_reset_seconds"}
)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class CarrierTransport:
    """One per adapter instance; owns (or borrows) its `aiohttp.ClientSession`."""

    def __init__(
        self,
        carrier: str,
        policy: TransportPolicy | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` is the breaker's monotonic clock (tests pass a fake one)."""
        self.carrier = carrier
        self.policy = policy or TransportPolicy()
        self._session = session
        self._owns_session = session is None
        rate = self.policy.rate_per_second
        # A one-second bucket holding `rate` calls; sub-1/s rates become one call per 1/rate seconds.
        self._limiter = AsyncLimiter(rate, 1.0) if rate >= 1 else AsyncLimiter(1, 1.0 / rate)
        self._breaker = CircuitBreaker(
            carrier,
            failure_threshold=self.policy.breaker_failures,
            recovery_seconds=self.policy.breaker_reset_seconds,
            clock=clock,
        )

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    @property
    def breaker_open(self) -> bool:
        """Whether the breaker is open (still in its recovery period)."""
        return self._breaker.state is BreakerState.OPEN

    async def call(self, operation: str, attempt: Callable[[], Awaitable[T]], *, retry: bool = True) -> T:
        """Run `attempt` (one request and its parsing) under the limiter, breaker and retry policy.

        With `retry=False` the request is sent at most once, whatever fails.
        """
        attempts = max(1, self.policy.attempts) if retry else 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=self.policy.backoff_initial, max=self.policy.backoff_max),
            retry=retry_if_exception(_worth_retrying),
            reraise=True,
        )
        async for state in retrying:
            with state:
                return await self._once(operation, attempt)
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover

    async def _once(self, operation: str, attempt: Callable[[], Awaitable[T]]) -> T:
        # The breaker first, so an open circuit fails fast instead of waiting for a rate-limit token.
        async def limited() -> T:
            async with self._limiter:
                return await attempt()

        return await self._breaker.call(limited)

    async def post(
        self,
        url: str,
        *,
        operation: str,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One POST; network failures, timeouts, 429 and 5xx raise `RetryableError`, other statuses return."""
        session = self._ensure_session()
        started = time.perf_counter()
        try:
            async with session.post(
                url,
                data=data,
                json=json_body,
                params=params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout_seconds),
            ) as resp:
                body = await resp.read()
                status = resp.status
                resp_headers = dict(resp.headers.items())
        except TimeoutError as e:
            log.info("%s %s timed out after %.1fs", self.carrier, operation, time.perf_counter() - started)
            raise RetryableError(
                f"{self.carrier} did not answer {operation} in time", carrier=self.carrier
            ) from e
        except aiohttp.ClientError as e:
            log.info("%s %s failed: %s", self.carrier, operation, type(e).__name__)
            raise RetryableError(
                f"{self.carrier} could not be reached for {operation}: {type(e).__name__}",
                carrier=self.carrier,
            ) from e
        log.debug("%s %s -> %d in %.3fs", self.carrier, operation, status, time.perf_counter() - started)
        if status == 429 or status >= 500:
            raise RetryableError(
                f"{self.carrier} answered {operation} with HTTP {status}",
                carrier=self.carrier,
                raw_code=str(status),
            )
        return Response(status, body, resp_headers)

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()


def _worth_retrying(error: BaseException) -> bool:
    """Retry what may succeed later, but never spin on an open breaker."""
    return isinstance(error, RetryableError) and not isinstance(error, CarrierUnavailable)
