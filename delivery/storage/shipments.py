"""Shipment storage: leases for background work, idempotent event recording, bookings.

Implements the scheduler's ports (`TrackingStore`, `BookingStore`) on tortoise-orm.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from couriers import Address, Booking, PickupRequest, Status, TrackingEvent
from delivery.domain.masking import phone_tail
from delivery.domain.problems import PROBLEM_STATUSES
from delivery.domain.shipment_query import ShipmentQuery
from delivery.domain.timeline import merge_events, next_status, utc
from delivery.storage.database import dialect
from delivery.storage.models import Shipment, ShipmentEvent
from scheduler import BookingTask, PollDecision, PollTask, ShipmentState

__all__ = [
    "AppliedPushes",
    "PollPlanner",
    "ShipmentChange",
    "ShipmentPage",
    "ShipmentRepository",
    "event_key",
    "shipment_state",
    "to_domain_event",
]

log = logging.getLogger(__name__)

_TERMINAL = [s.value for s in Status if s.terminal]
#: Sources that mean "we asked the carrier": they move `last_checked_at` and clear poll failures.
_QUERY_SOURCES = frozenset({"poll", "live"})


def event_key(event: TrackingEvent) -> str:
    """Stored form of the event identity (design.md): a digest, so it fits an indexed column.

    The time is taken in UTC, so the same scan reported as 16:00+08:00 by a push and 08:00Z by a poll
    is one event.
    """
    return hashlib.sha256(
        "\x1f".join((utc(event.time).isoformat(), event.raw_code, event.description)).encode()
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class ShipmentChange:
    """A shipment whose stored timeline or status just changed, with that timeline (for read models)."""

    shipment: Shipment
    timeline: Sequence[TrackingEvent]


@dataclass(frozen=True, slots=True)
class ShipmentPage:
    items: list[Shipment]
    total: int


@dataclass(frozen=True, slots=True)
class AppliedPushes:
    """What applying a group of pushes did: per push, its tracking numbers that match no shipment of
    its carrier; and the changes to announce once the transaction has committed (`notify`)."""

    unknown: list[list[str]]
    changes: list[ShipmentChange]


ChangeListener = Callable[[ShipmentChange], Awaitable[None]]
#: When to poll a shipment next, given its carrier and its state after the news (the scheduler's policy).
PollPlanner = Callable[[str, ShipmentState, datetime], PollDecision]


def to_domain_event(row: ShipmentEvent, tracking_number: str) -> TrackingEvent:
    return TrackingEvent(
        tracking_number, row.time, Status(row.status), row.raw_code, row.description, row.location
    )


class ShipmentRepository:
    """One instance per service; every method is its own unit of work."""

    def __init__(self, *, hall: Address, pickup_window: timedelta, first_poll_delay: timedelta) -> None:
        self._hall = hall
        self._pickup_window = pickup_window
        self._first_poll_delay = first_poll_delay
        self._listeners: list[ChangeListener] = []

    def add_listener(self, listener: ChangeListener) -> None:
        """Called after a change is committed (new events, or a new status); failures are only logged,
        because the change itself is already stored."""
        self._listeners.append(listener)

    async def notify(self, changes: Iterable[ShipmentChange]) -> None:
        """Tell the listeners about changes made inside a transaction, once it has committed."""
        for change in changes:
            await self._changed(change.shipment, change.timeline)

    async def _changed(self, shipment: Shipment, timeline: Sequence[TrackingEvent] | None = None) -> None:
        if not self._listeners:
            return
        if timeline is None:
            timeline = await self.timeline(shipment)
        change = ShipmentChange(shipment, list(timeline))
        for listener in self._listeners:
            try:
                await listener(change)
            except Exception:
                log.exception("change listener failed for shipment %s", shipment.id)

    # -- leases ------------------------------------------------------------------------------------

    async def _claim(self, due: Q, order: str, now: datetime, limit: int, lease: timedelta) -> list[Shipment]:
        """Lease up to `limit` due rows. On PostgreSQL the candidate rows are locked with SKIP LOCKED,
        so replicas claiming at the same moment take disjoint sets; the conditional update re-checks
        the lease so a stale candidate is never double-claimed on any database."""
        claim_id = uuid.uuid4().hex
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        async with in_transaction():
            query = Shipment.filter(due & free).order_by(order, "id").limit(limit)
            if dialect() == "postgres":
                query = query.select_for_update(skip_locked=True)
            ids = await query.values_list("id", flat=True)
            if not ids:
                return []
            await Shipment.filter(Q(id__in=list(ids)) & free).update(
                lease_owner=claim_id, lease_until=now + lease
            )
        return await Shipment.filter(id__in=list(ids), lease_owner=claim_id).order_by(order, "id")

    async def claim_due_polls(self, now: datetime, limit: int, lease: timedelta) -> list[PollTask]:
        due = Q(tracking_number__isnull=False) & ~Q(status__in=_TERMINAL) & Q(next_poll_at__lte=now)
        rows = await self._claim(due, "next_poll_at", now, limit, lease)
        return [
            PollTask(
                r.id, r.carrier, r.tracking_number or "", phone_tail(r.recipient_phone), r.lease_owner or ""
            )
            for r in rows
        ]

    async def claim_due_bookings(self, now: datetime, limit: int, lease: timedelta) -> list[BookingTask]:
        due = Q(status=Status.PENDING.value, tracking_number__isnull=True, next_attempt_at__lte=now)
        rows = await self._claim(due, "next_attempt_at", now, limit, lease)
        return [self.booking_task(r, now) for r in rows]

    def booking_task(self, row: Shipment, now: datetime) -> BookingTask:
        recipient = Address(
            row.recipient_name,
            row.recipient_phone,
            row.recipient_province,
            row.recipient_city,
            row.recipient_county,
            row.recipient_address,
        )
        start = now + timedelta(minutes=30)
        request = PickupRequest(row.order_id, self._hall, recipient, start, start + self._pickup_window)
        return BookingTask(
            row.id, row.carrier, request, phone_tail(row.recipient_phone), row.booking_attempts
        )

    # -- bookings ----------------------------------------------------------------------------------

    async def record_booking(self, shipment_id: int, booking: Booking, *, now: datetime) -> None:
        await Shipment.filter(id=shipment_id).update(
            tracking_number=booking.tracking_number,
            booking_json=dict(booking.raw),
            booked_at=now,
            last_error=None,
            next_attempt_at=None,
            booking_attempts=F("booking_attempts") + 1,
            lease_owner=None,
            lease_until=None,
            next_poll_at=now + self._first_poll_delay,
        )
        await Shipment.filter(id=shipment_id, status=Status.PENDING.value).update(
            status=Status.INFO_RECEIVED.value
        )

    async def record_booking_failure(
        self, shipment_id: int, error: str, *, retry_at: datetime | None
    ) -> None:
        await Shipment.filter(id=shipment_id).update(
            last_error=error[:2000],
            next_attempt_at=retry_at,
            booking_attempts=F("booking_attempts") + 1,
            lease_owner=None,
            lease_until=None,
        )

    # -- tracking ----------------------------------------------------------------------------------

    async def record_events(
        self, shipment_id: int, events: Sequence[TrackingEvent], *, source: str, now: datetime
    ) -> ShipmentState:
        async with in_transaction():
            query = Shipment.filter(id=shipment_id)
            if dialect() == "postgres":
                # Serialize writers of one shipment (a push and a poll at once) so status is derived
                # from the complete timeline.
                query = query.select_for_update()
            shipment = await query.get()
            before = shipment.status
            stored = await ShipmentEvent.filter(shipment_id=shipment_id).values_list(*_STORED_COLUMNS)
            fresh, timeline = _merge(shipment, stored, events, source=source, now=now)
            if fresh:
                await ShipmentEvent.bulk_create(fresh)
            await shipment.save(
                update_fields=[
                    "status",
                    "last_event_at",
                    "last_push_at",
                    "last_checked_at",
                    "poll_failures",
                    "updated_at",
                ]
            )
        if fresh or shipment.status != before:
            await self._changed(shipment, timeline)
        return shipment_state(shipment)

    async def apply_pushes(
        self,
        pushes: Sequence[tuple[str, Sequence[TrackingEvent]]],
        *,
        now: datetime,
        plan: PollPlanner,
    ) -> AppliedPushes:
        """Merge the events of several pushes (carrier, events) and plan each shipment's next poll.

        Must run inside a transaction, which the caller commits (the inbox rows of the same pushes go in
        it too); then the caller passes `changes` to `notify`. A fixed number of statements whatever
        the number of pushes: one select of the shipments (locked in id order on PostgreSQL, so two
        replicas applying overlapping groups cannot deadlock), one of their events, one insert of the
        new events, and one update of them all.
        """
        wanted: dict[tuple[str, str], list[TrackingEvent]] = defaultdict(list)
        for carrier, events in pushes:
            for event in events:
                wanted[carrier, event.tracking_number].append(event)
        numbers: dict[str, set[str]] = defaultdict(set)
        for carrier, number in wanted:
            numbers[carrier].add(number)
        found: dict[tuple[str, str], Shipment] = {}
        if numbers:
            condition = reduce(
                operator.or_,
                (Q(carrier=c, tracking_number__in=sorted(n)) for c, n in sorted(numbers.items())),
            )
            query = Shipment.filter(condition).order_by("id")
            if dialect() == "postgres":
                query = query.select_for_update()
            for row in await query:
                found.setdefault((row.carrier, row.tracking_number or ""), row)
        stored: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        if found:
            ids = [row.id for row in found.values()]
            columns = ("shipment_id", *_STORED_COLUMNS)
            for values in await ShipmentEvent.filter(shipment_id__in=ids).values_list(*columns):
                stored[values[0]].append(tuple(values[1:]))
        fresh: list[ShipmentEvent] = []
        changes: list[ShipmentChange] = []
        for key, shipment in sorted(found.items(), key=lambda item: item[1].id):
            before = shipment.status
            new, timeline = _merge(shipment, stored[shipment.id], wanted[key], source="push", now=now)
            decision = plan(shipment.carrier, shipment_state(shipment), now)
            shipment.next_poll_at = decision.next_poll_at
            if decision.expire and not Status(shipment.status).terminal:
                shipment.status = Status.EXPIRED.value
            fresh += new
            if new or shipment.status != before:
                changes.append(ShipmentChange(shipment, timeline))
        if fresh:
            await ShipmentEvent.bulk_create(fresh)
        if found:
            await _save_push_fields(list(found.values()))
        unknown = [
            sorted({e.tracking_number for e in events if (carrier, e.tracking_number) not in found})
            for carrier, events in pushes
        ]
        return AppliedPushes(unknown, changes)

    async def record_poll_failure(self, shipment_id: int, error: str) -> ShipmentState:
        await Shipment.filter(id=shipment_id).update(
            poll_failures=F("poll_failures") + 1, last_error=error[:2000]
        )
        return shipment_state(await Shipment.get(id=shipment_id))

    async def schedule_poll(
        self, shipment_id: int, next_poll_at: datetime | None, *, expire: bool, lease: str = ""
    ) -> None:
        """After a poll: set the next poll time and release the poller's lease — unless another replica
        has claimed the shipment since (the lease ran out): then its poll plans the next one."""
        rows = Shipment.filter(id=shipment_id)
        if lease:
            rows = rows.filter(lease_owner=lease)
        released = await rows.update(next_poll_at=next_poll_at, lease_owner=None, lease_until=None)
        if expire and released:
            await self._expire(shipment_id)

    async def reschedule_poll(self, shipment_id: int, next_poll_at: datetime | None, *, expire: bool) -> None:
        """After a push: move the next poll without touching a lease a poller may hold."""
        await Shipment.filter(id=shipment_id).update(next_poll_at=next_poll_at)
        if expire:
            await self._expire(shipment_id)

    async def _expire(self, shipment_id: int) -> None:
        changed = await (
            Shipment.filter(id=shipment_id).exclude(status__in=_TERMINAL).update(status=Status.EXPIRED.value)
        )
        if changed:
            await self._changed(await Shipment.get(id=shipment_id))

    async def state(self, shipment_id: int) -> ShipmentState:
        return shipment_state(await Shipment.get(id=shipment_id))

    async def find_by_tracking_number(self, carrier: str, tracking_number: str) -> Shipment | None:
        return await Shipment.filter(carrier=carrier, tracking_number=tracking_number).first()

    async def timeline(self, shipment: Shipment) -> list[TrackingEvent]:
        rows = await ShipmentEvent.filter(shipment_id=shipment.id)
        return merge_events((to_domain_event(r, shipment.tracking_number or "") for r in rows), ())

    async def find_for_tracking(self, tracking_number: str) -> tuple[Shipment, list[TrackingEvent]] | None:
        """The shipment a citizen asks about, with its timeline (what the public answer is built from)."""
        shipment = await Shipment.filter(tracking_number=tracking_number).first()
        if shipment is None:
            return None
        return shipment, await self.timeline(shipment)

    # -- the clerk's list --------------------------------------------------------------------------

    async def list_shipments(self, query: ShipmentQuery, *, now: datetime) -> ShipmentPage:
        """One page of shipments matching the clerk's filters, oldest first."""
        condition = Q()
        if query.statuses:
            condition &= Q(status__in=[s.value for s in query.statuses])
        if query.carriers:
            condition &= Q(carrier__in=sorted(query.carriers))
        if query.created_from is not None:
            condition &= Q(created_at__gte=query.created_from)
        if query.created_to is not None:
            condition &= Q(created_at__lt=query.created_to)
        if query.updated_from is not None:
            condition &= Q(updated_at__gte=query.updated_from)
        if query.updated_to is not None:
            condition &= Q(updated_at__lt=query.updated_to)
        if query.problem is not None:
            problem = _problem_condition(now - query.stale_after)
            condition &= problem if query.problem else ~problem
        rows = Shipment.filter(condition)
        total = await rows.count()
        items = await rows.order_by("created_at", "id").offset(query.offset).limit(query.per_page)
        return ShipmentPage(items, total)


#: The columns of a stored event that merging needs, read as plain tuples (no model objects).
_STORED_COLUMNS = ("event_key", "time", "status", "raw_code", "description", "location")
#: What applying a push changes on a shipment (plus `updated_at`).
_PUSH_FIELDS = ("status", "last_event_at", "last_push_at", "next_poll_at", "updated_at")


async def _save_push_fields(shipments: Sequence[Shipment]) -> None:
    """Write `_PUSH_FIELDS` of every shipment with one prepared UPDATE run for all of them
    (`executemany`), instead of building one ORM query per shipment. Values go through the fields'
    own `to_db_value`, so they are stored exactly as the ORM stores them."""
    mark = (lambda i: f"${i}") if dialect() == "postgres" else (lambda i: "?")
    assignments = ", ".join(f'"{name}"={mark(i)}' for i, name in enumerate(_PUSH_FIELDS, 1))
    sql = f'UPDATE "{Shipment._meta.db_table}" SET {assignments} WHERE "id"={mark(len(_PUSH_FIELDS) + 1)}'
    fields = Shipment._meta.fields_map
    values = [
        [*(fields[name].to_db_value(getattr(s, name), s) for name in _PUSH_FIELDS), s.id] for s in shipments
    ]
    await Shipment._meta.db.execute_many(sql, values)


def _merge(
    shipment: Shipment,
    stored: Sequence[tuple[Any, ...]],
    events: Sequence[TrackingEvent],
    *,
    source: str,
    now: datetime,
) -> tuple[list[ShipmentEvent], list[TrackingEvent]]:
    """The rows to insert for `events` not stored yet (each once), and the merged timeline; sets the
    shipment's derived fields (status, last event, last push or check) on the model, unsaved.

    `stored` holds the shipment's stored events as `_STORED_COLUMNS` tuples."""
    known = {row[0] for row in stored}
    fresh: dict[str, TrackingEvent] = {}
    for event in events:
        key = event_key(event)
        if key not in known:
            fresh.setdefault(key, event)
    rows = [
        ShipmentEvent(
            shipment_id=shipment.id,
            event_key=key,
            time=e.time,
            status=e.status.value,
            raw_code=e.raw_code,
            description=e.description,
            location=e.location,
            source=source,
        )
        for key, e in fresh.items()
    ]
    number = shipment.tracking_number or ""
    timeline = merge_events(
        (
            TrackingEvent(number, time, Status(status), code, text, where)
            for _, time, status, code, text, where in stored
        ),
        fresh.values(),
    )
    shipment.status = next_status(Status(shipment.status), timeline).value
    if timeline:
        shipment.last_event_at = max(utc(e.time) for e in timeline)
    if source == "push" and events:
        shipment.last_push_at = now
    if source in _QUERY_SOURCES:
        shipment.last_checked_at = now
        shipment.poll_failures = 0
    return rows, timeline


def shipment_state(shipment: Shipment) -> ShipmentState:
    """What poll planning needs to know of a stored shipment."""
    return ShipmentState(
        shipment.id,
        Status(shipment.status),
        shipment.booked_at,
        shipment.last_event_at,
        shipment.last_push_at,
        shipment.poll_failures,
        shipment.last_checked_at,
    )


def _problem_condition(stale_before: datetime) -> Q:
    """SQL form of `delivery.domain.problems.problem_reason`; every clause is NULL-free, so its negation
    (`problem=false`) is exact too."""
    active = ~Q(status__in=_TERMINAL)
    no_news = (
        Q(last_event_at__isnull=False, last_event_at__lte=stale_before)
        | Q(last_event_at__isnull=True, booked_at__isnull=False, booked_at__lte=stale_before)
        | Q(last_event_at__isnull=True, booked_at__isnull=True, created_at__lte=stale_before)
    )
    return (
        Q(status__in=[s.value for s in PROBLEM_STATUSES])
        | Q(status=Status.PENDING.value, last_error__isnull=False, next_attempt_at__isnull=True)
        | (active & no_news)
    )
