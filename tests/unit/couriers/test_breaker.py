"""The circuit breaker on a fake monotonic clock: what counts, when it opens, the one half-open probe."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from couriers.breaker import BreakerState, CarrierUnavailable, CircuitBreaker
from couriers.errors import ConfigurationError, RejectedError, RetryableError


@dataclass
class FakeClock:
    seconds: float = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("ems", failure_threshold=3, recovery_seconds=30, clock=clock)


class Carrier:
    """Counts the calls that reached it and answers with what the test asks for."""

    def __init__(self) -> None:
        self.calls = 0

    async def ok(self) -> str:
        self.calls += 1
        return "ok"

    async def down(self) -> str:
        self.calls += 1
        raise RetryableError("HTTP 503", carrier="ems")

    async def rejects(self) -> str:
        self.calls += 1
        raise RejectedError("bad address", carrier="ems")

    async def misconfigured(self) -> str:
        self.calls += 1
        raise ConfigurationError("bad key", carrier="ems")


async def fail(breaker: CircuitBreaker, carrier: Carrier, times: int) -> None:
    for _ in range(times):
        with pytest.raises(RetryableError):
            await breaker.call(carrier.down)


async def test_opens_after_the_threshold_and_then_fails_fast(breaker: CircuitBreaker) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 2)
    assert breaker.state is BreakerState.CLOSED
    await fail(breaker, carrier, 1)
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CarrierUnavailable, match="next try in 30 s") as info:
        await breaker.call(carrier.ok)
    assert carrier.calls == 3, "an open breaker does not call the carrier"
    assert info.value.raw_code == "CIRCUIT_OPEN"
    assert isinstance(info.value, RetryableError)


@pytest.mark.parametrize("answer", ["rejects", "misconfigured"])
async def test_business_answers_neither_count_nor_reset(breaker: CircuitBreaker, answer: str) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 2)
    for _ in range(5):
        with pytest.raises((RejectedError, ConfigurationError)):
            await breaker.call(getattr(carrier, answer))
    assert breaker.failures == 2, "a rejected address says nothing about the carrier being down"
    await fail(breaker, carrier, 1)
    assert breaker.state is BreakerState.OPEN


async def test_only_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 2)
    assert await breaker.call(carrier.ok) == "ok"
    assert breaker.failures == 0
    await fail(breaker, carrier, 2)
    assert breaker.state is BreakerState.CLOSED


async def test_cancellation_never_counts(breaker: CircuitBreaker) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 2)
    started = asyncio.Event()

    async def hangs() -> str:
        started.set()
        await asyncio.sleep(3600)
        return "never"

    for _ in range(3):
        started.clear()
        task = asyncio.create_task(breaker.call(hangs))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert breaker.failures == 2
    assert breaker.state is BreakerState.CLOSED


async def test_after_recovery_exactly_one_probe_goes_through(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 3)
    clock.seconds += 29.9
    assert breaker.state is BreakerState.OPEN
    clock.seconds += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    release = asyncio.Event()

    async def slow_probe() -> str:
        carrier.calls += 1
        await release.wait()
        return "ok"

    probe = asyncio.create_task(breaker.call(slow_probe))
    await asyncio.sleep(0)
    for _ in range(3):
        with pytest.raises(CarrierUnavailable, match="probe"):
            await breaker.call(carrier.ok)
    assert carrier.calls == 4, "only the probe reached the carrier"
    release.set()
    assert await probe == "ok"
    assert breaker.state is BreakerState.CLOSED
    assert await breaker.call(carrier.ok) == "ok"


async def test_a_failed_probe_reopens_for_another_period(breaker: CircuitBreaker, clock: FakeClock) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 3)
    clock.seconds += 30
    await fail(breaker, carrier, 1)  # the probe
    assert breaker.state is BreakerState.OPEN
    assert breaker.remaining_seconds() == 30
    with pytest.raises(CarrierUnavailable):
        await breaker.call(carrier.ok)
    clock.seconds += 30
    assert await breaker.call(carrier.ok) == "ok"
    assert breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize("answer", ["rejects", "cancelled"])
async def test_a_probe_without_a_verdict_frees_the_slot(
    breaker: CircuitBreaker, clock: FakeClock, answer: str
) -> None:
    carrier = Carrier()
    await fail(breaker, carrier, 3)
    clock.seconds += 30
    if answer == "rejects":
        with pytest.raises(RejectedError):
            await breaker.call(carrier.rejects)
    else:
        task = asyncio.create_task(breaker.call(lambda: asyncio.sleep(3600)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert breaker.state is BreakerState.HALF_OPEN
    assert await breaker.call(carrier.ok) == "ok", "the next caller becomes the probe"
    assert breaker.state is BreakerState.CLOSED


async def test_stragglers_do_not_decide_an_open_period(breaker: CircuitBreaker, clock: FakeClock) -> None:
    carrier = Carrier()
    release = asyncio.Event()

    async def straggler() -> str:
        await release.wait()
        return "late ok"

    late = asyncio.create_task(breaker.call(straggler))
    await asyncio.sleep(0)
    await fail(breaker, carrier, 3)
    release.set()
    assert await late == "late ok"
    assert breaker.state is BreakerState.OPEN, "only the probe may close the breaker"


def test_thresholds_are_validated(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker("x", failure_threshold=0, recovery_seconds=1, clock=clock)
    with pytest.raises(ValueError, match="recovery_seconds"):
        CircuitBreaker("x", failure_threshold=1, recovery_seconds=0, clock=clock)
