"""Merging carrier events into one timeline and deriving a shipment's status from it.

Pure functions: pushes arrive twice, late and out of order, and polling overlaps pushes, so the result
must depend only on the *set* of events, never on the order they reached us.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from couriers import Status, TrackingEvent

__all__ = ["derive_status", "event_identity", "event_order", "merge_events", "next_status", "utc"]

#: Terminal statuses a carrier event may still move to, from the given terminal status.
_TERMINAL_EXITS: dict[Status, frozenset[Status]] = {
    Status.DELIVERED: frozenset({Status.RETURNED}),
}


def utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; a naive time is taken to be UTC already (carriers' times are
    documented as aware, see `TrackingEvent`, so a naive one is an adapter's slip, not local time)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def event_identity(event: TrackingEvent) -> tuple[datetime, str, str]:
    """The design's event identity (carrier time, raw code, description) with the time as an instant:
    the same scan reported as 16:00+08:00 by a push and 08:00Z by a poll is one event.

    `TrackingEvent.key` compares the time as text, which would keep both."""
    return (utc(event.time), event.raw_code, event.description)


def merge_events(existing: Iterable[TrackingEvent], incoming: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Union of both, each event once (by its identity), ordered by the carrier's event time.

    Copies of one event that differ elsewhere (another location text, another offset) keep the one that
    sorts first, so the result depends only on the set of events, not on which copy came first.
    """
    by_key: dict[tuple[datetime, str, str], TrackingEvent] = {}
    for event in (*existing, *incoming):
        identity = event_identity(event)
        kept = by_key.get(identity)
        if kept is None or event_order(event) < event_order(kept):
            by_key[identity] = event
    return sorted(by_key.values(), key=event_order)


def event_order(event: TrackingEvent) -> tuple[datetime, int, str, str, str, str, str, float]:
    """Sort key of a timeline: the carrier's time as an instant (never as text: "09:00+08:00" is before
    "02:00+00:00"); at equal instants a terminal event sorts last, so "delivered" is not hidden by a
    same-second scan; then every other field, so the order is total and never depends on arrival."""
    offset = event.time.utcoffset()
    return (
        utc(event.time),
        int(event.status.terminal),
        event.raw_code,
        event.description,
        event.status.value,
        event.location,
        event.tracking_number,
        offset.total_seconds() if offset is not None else 0.0,
    )


def derive_status(timeline: Sequence[TrackingEvent]) -> Status:
    """Status after walking the timeline in time order; terminal statuses stick.

    A scan dated after "delivered" stays in the timeline but does not reopen the shipment; only a
    carrier's return event moves delivered to returned.
    """
    status = Status.PENDING
    for event in sorted(timeline, key=event_order):
        if status.terminal:
            if event.status in _TERMINAL_EXITS.get(status, frozenset()):
                status = event.status
            continue
        status = event.status
    return status


def next_status(current: Status, timeline: Sequence[TrackingEvent]) -> Status:
    """The shipment's new status given what we hold now.

    Statuses set by us rather than the carrier (cancelled by a clerk, expired by the engine) win over the
    carrier's timeline, except that real news of delivery or return supersedes `expired`.
    """
    derived = derive_status(timeline)
    if current is Status.CANCELLED:
        return current
    if current is Status.EXPIRED:
        return derived if derived in (Status.DELIVERED, Status.RETURNED) else current
    if current.terminal and not derived.terminal:
        return current
    if derived is Status.PENDING:
        return current
    return derived
