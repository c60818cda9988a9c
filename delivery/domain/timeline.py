"""Merging carrier events into one timeline and deriving a shipment's status from it.

Pure functions: pushes arrive twice, late and out of order, and polling overlaps pushes, so the result
must depend only on the *set* of events, never on the order they reached us.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from couriers import Status, TrackingEvent

__all__ = ["derive_status", "merge_events", "next_status"]

#: Terminal statuses a carrier event may still move to, from the given terminal status.
_TERMINAL_EXITS: dict[Status, frozenset[Status]] = {
    Status.DELIVERED: frozenset({Status.RETURNED}),
}


def merge_events(existing: Iterable[TrackingEvent], incoming: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Union of both, each event once (by its key), ordered by the carrier's event time."""
    by_key: dict[tuple[str, str, str], TrackingEvent] = {}
    for event in (*existing, *incoming):
        by_key.setdefault(event.key, event)
    return sorted(by_key.values(), key=_order)


def _order(event: TrackingEvent) -> tuple[str, int, str, str]:
    # Time first; at equal times a terminal event sorts last so "delivered" is not hidden by a
    # same-second scan; the key breaks remaining ties deterministically.
    return (event.time.isoformat(), int(event.status.terminal), event.raw_code, event.description)


def derive_status(timeline: Sequence[TrackingEvent]) -> Status:
    """Status after walking the timeline in time order; terminal statuses stick.

    A scan dated after "delivered" stays in the timeline but does not reopen the shipment; only a
    carrier's return event moves delivered to returned.
    """
    status = Status.PENDING
    for event in sorted(timeline, key=_order):
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
