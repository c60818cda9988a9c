"""`CarrierTransport` and `TransportPolicy`: config validation, what is retried, what the breaker counts."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from couriers.errors import ConfigurationError, RejectedError, RetryableError
from couriers.registry import create
from couriers.simulators import load_simulator
from couriers.transport import CarrierTransport, CarrierUnavailable, TransportPolicy


def test_defaults_and_the_carrier_rate() -> None:
    policy = TransportPolicy.from_config({}, rate_per_second=30, carrier="sf_express")
    assert policy == TransportPolicy(rate_per_second=30.0)


def test_environment_strings_are_read() -> None:
    config = {
        "timeout_seconds": "2.5",
        "attempts": "4",
        "rate_per_second": "0.5",
        "breaker_failures": "2",
        "breaker_reset_seconds": "60",
    }
    policy = TransportPolicy.from_config(config, rate_per_second=30, carrier="ems")
    assert (
        policy.timeout_seconds,
        policy.attempts,
        policy.rate_per_second,
        policy.breaker_failures,
        policy.breaker_reset_seconds,
    ) == (2.5, 4, 0.5, 2, 60.0)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("timeout_seconds", 0, "couriers.ems.timeout_seconds must be a positive number, got 0"),
        ("timeout_seconds", -1.5, "must be a positive number, got -1.5"),
        ("timeout_seconds", "soon", "must be a positive number, got 'soon'"),
        ("timeout_seconds", True, "must be a positive number, got True"),
        ("rate_per_second", 0, "couriers.ems.rate_per_second must be a positive number, got 0"),
        ("rate_per_second", -3, "must be a positive number, got -3"),
        ("rate_per_second", math.nan, "must be a positive number, got nan"),
        ("rate_per_second", math.inf, "must be a positive number, got inf"),
        ("rate_per_second", "inf", "must be a positive number, got 'inf'"),
        ("rate_per_second", 10**400, "must be a positive number"),
        ("breaker_failures", 0, "couriers.ems.breaker_failures must be a whole number of at least 1, got 0"),
        ("breaker_failures", 2.5, "must be a whole number, got 2.5"),
        ("breaker_reset_seconds", 0, "couriers.ems.breaker_reset_seconds must be a positive number, got 0"),
        ("attempts", -1, "couriers.ems.attempts must be a whole number of at least 1, got -1"),
        ("attempts", 0, "must be a whole number of at least 1, got 0"),
        ("attempts", "many", "must be a whole number, got 'many'"),
        ("attempts", None, "must be a whole number, got None"),
    ],
)
def test_bad_values_name_the_key_and_the_value(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")) as info:
        TransportPolicy.from_config({key: value}, rate_per_second=20, carrier="ems")
    assert info.value.carrier == "ems"


@pytest.mark.parametrize("code", ["sf_express", "ems", "kuaidi100"])
def test_every_adapter_validates_its_transport_keys(code: str) -> None:
    config = load_simulator(code)().adapter_config("http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match=f"couriers.{code}.rate_per_second must be a positive"):
        create(code, {**config, "rate_per_second": 0})


class Counting:
    def __init__(self, *answers: BaseException | str) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def transport(**policy: Any) -> CarrierTransport:
    return CarrierTransport("ems", TransportPolicy(backoff_initial=0.001, backoff_max=0.001, **policy))


async def test_retryable_errors_are_retried_up_to_the_attempts() -> None:
    attempt = Counting(RetryableError("503"), RetryableError("503"), "ok")
    assert await transport(attempts=3).call("book", attempt) == "ok"
    assert attempt.calls == 3


async def test_retry_false_sends_exactly_once() -> None:
    attempt = Counting(RetryableError("timeout"), "ok")
    with pytest.raises(RetryableError):
        await transport(attempts=5).call("query", attempt, retry=False)
    assert attempt.calls == 1


async def test_rejections_are_not_retried() -> None:
    attempt = Counting(RejectedError("bad address"))
    with pytest.raises(RejectedError):
        await transport(attempts=5).call("book", attempt)
    assert attempt.calls == 1


async def test_a_rejection_does_not_reset_the_breaker() -> None:
    t = transport(attempts=1, breaker_failures=2)
    with pytest.raises(RetryableError):
        await t.call("book", Counting(RetryableError("timeout")))
    with pytest.raises(RejectedError):
        await t.call("book", Counting(RejectedError("bad address")))
    with pytest.raises(RetryableError):
        await t.call("book", Counting(RetryableError("timeout")))
    assert t.breaker_open, "two timeouts in a row, a rejection between them changes nothing"
    attempt = Counting("ok")
    with pytest.raises(CarrierUnavailable):
        await t.call("book", attempt)
    assert attempt.calls == 0


async def test_an_open_breaker_is_not_retried_and_does_not_wait_for_the_limiter() -> None:
    t = transport(attempts=5, breaker_failures=1, rate_per_second=0.001)
    with pytest.raises(RetryableError):
        await t.call("book", Counting(RetryableError("timeout")), retry=False)
    attempt = Counting("ok")
    with pytest.raises(CarrierUnavailable):
        await asyncio.wait_for(t.call("book", attempt), timeout=1)
    assert attempt.calls == 0
