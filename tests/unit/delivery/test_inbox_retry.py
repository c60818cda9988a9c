"""When a stored push is tried again, and when it is given up on (parked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from delivery.storage.inbox import InboxRetry

NOW = datetime(2026, 11, 28, 8, tzinfo=UTC)


def test_attempts_back_off_exponentially_up_to_the_cap() -> None:
    retry = InboxRetry(base=timedelta(seconds=30), cap=timedelta(minutes=10), max_attempts=20)
    for attempts in range(1, 20):
        at = retry.next_attempt(attempts, NOW)
        assert at is not None
        ceiling = min(timedelta(minutes=10), timedelta(seconds=30) * 2 ** (attempts - 1))
        assert ceiling / 2 <= at - NOW <= ceiling


def test_after_the_last_attempt_there_is_none() -> None:
    retry = InboxRetry(max_attempts=3)
    assert retry.next_attempt(2, NOW) is not None
    assert retry.next_attempt(3, NOW) is None
    assert retry.next_attempt(4, NOW) is None
