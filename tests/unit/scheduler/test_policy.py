import random
from datetime import UTC, datetime, timedelta

from couriers import Status
from scheduler import PollIntervals, ShipmentState, backoff_delay, plan_next_poll

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
IV = PollIntervals()


def state(
    status: Status,
    *,
    last_event: timedelta | None = timedelta(hours=1),
    push: timedelta | None = None,
    failures: int = 0,
) -> ShipmentState:
    return ShipmentState(
        1,
        status,
        NOW - timedelta(days=1),
        NOW - last_event if last_event else None,
        NOW - push if push else None,
        failures,
    )


def test_interval_follows_what_the_parcel_is_doing() -> None:
    assert plan_next_poll(state(Status.INFO_RECEIVED), NOW, IV).next_poll_at == NOW + timedelta(minutes=30)
    assert plan_next_poll(state(Status.IN_TRANSIT), NOW, IV).next_poll_at == NOW + timedelta(hours=2)
    assert plan_next_poll(state(Status.OUT_FOR_DELIVERY), NOW, IV).next_poll_at == NOW + timedelta(minutes=30)
    assert plan_next_poll(state(Status.AVAILABLE_FOR_PICKUP), NOW, IV).next_poll_at == NOW + timedelta(
        hours=6
    )
    assert plan_next_poll(state(Status.EXCEPTION), NOW, IV).next_poll_at == NOW + timedelta(hours=1)


def test_arriving_pushes_slow_polling_down() -> None:
    decision = plan_next_poll(state(Status.IN_TRANSIT, push=timedelta(minutes=5)), NOW, IV)
    assert decision.next_poll_at == NOW + timedelta(hours=8)


def test_terminal_stops_and_silence_expires() -> None:
    assert plan_next_poll(state(Status.DELIVERED), NOW, IV).next_poll_at is None
    decision = plan_next_poll(state(Status.IN_TRANSIT, last_event=timedelta(days=31)), NOW, IV)
    assert decision.expire
    assert decision.next_poll_at is None


def test_carrier_minimum_is_never_broken() -> None:
    strict = PollIntervals(out_for_delivery=timedelta(minutes=5), carrier_minimum=timedelta(minutes=30))
    assert plan_next_poll(state(Status.OUT_FOR_DELIVERY), NOW, strict).next_poll_at == NOW + timedelta(
        minutes=30
    )
    failing = plan_next_poll(state(Status.IN_TRANSIT, failures=1), NOW, strict).next_poll_at
    assert failing is not None
    assert failing >= NOW + timedelta(minutes=30)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    delays = [backoff_delay(n, base, cap, rng) for n in range(1, 12)]
    assert all(d <= cap for d in delays)
    assert delays[0] <= timedelta(seconds=30)
    assert delays[6] >= timedelta(seconds=30 * 2**6 / 2)
    assert len({backoff_delay(3, base, cap, rng) for _ in range(5)}) > 1
