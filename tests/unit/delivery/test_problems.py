from datetime import UTC, datetime, timedelta

import pytest

from couriers import Status
from delivery.domain.problems import problem_reason

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def reason(status: Status, **kw: object) -> str | None:
    args: dict[str, object] = {
        "last_event_at": NOW - timedelta(hours=1),
        "booked_at": NOW - 2 * DAY,
        "created_at": NOW - 2 * DAY,
        "last_error": None,
        "next_attempt_at": None,
        "now": NOW,
        "stale_after": 3 * DAY,
    } | kw
    return problem_reason(status=status, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [Status.EXCEPTION, Status.DELIVERY_FAILED, Status.EXPIRED])
def test_problem_statuses(status: Status) -> None:
    assert reason(status) == status.value


def test_silence_makes_an_active_parcel_a_problem_but_not_a_finished_one() -> None:
    assert reason(Status.IN_TRANSIT, last_event_at=NOW - 4 * DAY) == "no_news"
    assert reason(Status.INFO_RECEIVED, last_event_at=None, booked_at=NOW - 4 * DAY) == "no_news"
    assert reason(Status.IN_TRANSIT, last_event_at=NOW - 2 * DAY) is None
    assert reason(Status.DELIVERED, last_event_at=NOW - 40 * DAY) is None


def test_a_booking_that_needs_a_person() -> None:
    assert reason(Status.PENDING, last_event_at=None, last_error="rejected") == "booking_failed"
    retrying = reason(Status.PENDING, last_event_at=None, last_error="timeout", next_attempt_at=NOW)
    assert retrying is None
