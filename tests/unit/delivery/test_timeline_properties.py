"""The design's event rules under any interleaving, on real parcel lives (the sandbox's `plan_life`)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from couriers import Status, TrackingEvent
from couriers.sandbox import make_tracking_number, plan_life, status_for
from delivery.domain.timeline import derive_status, merge_events, next_status
from delivery.storage.shipments import event_key

BOOKED = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))


def life(serial: int) -> list[TrackingEvent]:
    number = make_tracking_number(BOOKED, 1, 2, serial)
    return [
        TrackingEvent(number, BOOKED + timedelta(seconds=p.offset), status_for(p.code), p.code, p.description)
        for p in plan_life(number)
    ]


LIVES = [life(serial) for serial in range(40)]


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[TrackingEvent], list[list[TrackingEvent]]]:
    """A real life, and the way a carrier might deliver it: duplicated, shuffled, split into batches."""
    events = draw(st.sampled_from(LIVES))
    copies = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    arriving = draw(st.permutations([*events, *copies]))
    cuts = sorted(draw(st.lists(st.integers(0, len(arriving)), max_size=5)))
    bounds = [0, *cuts, len(arriving)]
    return events, [list(arriving[a:b]) for a, b in itertools.pairwise(bounds)]


def apply(batches: list[list[TrackingEvent]]) -> tuple[list[TrackingEvent], Status]:
    """What the storage layer does per batch: merge into the stored timeline, then derive the status."""
    stored: list[TrackingEvent] = []
    status = Status.INFO_RECEIVED
    for batch in batches:
        stored = merge_events(stored, batch)
        new = next_status(status, stored)
        assert not (status.terminal and not new.terminal), "a terminal status moved back"
        status = new
    return stored, status


@given(deliveries())
@settings(max_examples=200)
def test_any_interleaving_gives_the_carriers_timeline_once_in_time_order(
    case: tuple[list[TrackingEvent], list[list[TrackingEvent]]],
) -> None:
    events, batches = case
    stored, status = apply(batches)
    assert stored == sorted(events, key=lambda e: e.time)
    assert len({e.key for e in stored}) == len(stored)
    assert status is derive_status(events)
    assert status is Status.DELIVERED


@given(deliveries(), st.integers(1, 48))
def test_a_late_scan_after_delivery_stays_in_the_timeline_but_not_in_the_status(
    case: tuple[list[TrackingEvent], list[list[TrackingEvent]]], hours: int
) -> None:
    events, batches = case
    last = events[-1]
    late = TrackingEvent(
        last.tracking_number, last.time + timedelta(hours=hours), Status.IN_TRANSIT, "X", "迟到"
    )
    stored, status = apply([*batches, [late]])
    assert late in stored
    assert status is Status.DELIVERED


@given(deliveries())
def test_a_return_after_delivery_is_the_only_way_out(
    case: tuple[list[TrackingEvent], list[list[TrackingEvent]]],
) -> None:
    events, batches = case
    back = TrackingEvent(
        events[-1].tracking_number, events[-1].time + timedelta(days=1), Status.RETURNED, "R", "退回签收"
    )
    assert apply([*batches, [back]])[1] is Status.RETURNED


@given(st.sampled_from(LIVES), st.data())
def test_the_same_scan_in_another_time_zone_is_one_event(
    events: list[TrackingEvent], data: st.DataObject
) -> None:
    event = data.draw(st.sampled_from(events))
    beijing = TrackingEvent(
        event.tracking_number, event.time.astimezone(BEIJING), event.status, event.raw_code, event.description
    )
    assert event_key(beijing) == event_key(event)
