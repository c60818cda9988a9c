"""Which parcels need a clerk: the definition of a "problem parcel", in one place.

The storage query that lists them (`ShipmentRepository.list_shipments`) must agree with `problem_reason`;
an integration test checks both against the same rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from couriers import Status

__all__ = ["PROBLEM_STATUSES", "problem_reason"]

#: Statuses that are a problem in themselves, whatever their age.
PROBLEM_STATUSES: frozenset[Status] = frozenset({Status.EXCEPTION, Status.DELIVERY_FAILED, Status.EXPIRED})


def problem_reason(
    *,
    status: Status,
    last_event_at: datetime | None,
    booked_at: datetime | None,
    created_at: datetime,
    last_error: str | None,
    next_attempt_at: datetime | None,
    now: datetime,
    stale_after: timedelta,
) -> str | None:
    """Why a clerk should look at this shipment today, or None when it needs nobody.

    - the carrier reports a problem, an attempt failed, or tracking expired;
    - the booking failed in a way only a person can fix (no retry scheduled);
    - an active parcel has had no news for `stale_after` (since its last event, else its booking).
    """
    if status in PROBLEM_STATUSES:
        return status.value
    if status is Status.PENDING and last_error is not None and next_attempt_at is None:
        return "booking_failed"
    if status.terminal:
        return None
    last_news = last_event_at or booked_at or created_at
    if now - last_news >= stale_after:
        return "no_news"
    return None
