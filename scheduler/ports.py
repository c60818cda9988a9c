"""What the background jobs need from the service, as small interfaces the service implements.

The scheduler owns no storage: it asks for due work, calls carriers, and reports what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from couriers import Booking, PickupRequest, Status, TrackingEvent

__all__ = ["BookingStore", "BookingTask", "InboxProcessor", "PollTask", "ShipmentState", "TrackingStore"]


@dataclass(frozen=True, slots=True)
class PollTask:
    shipment_id: int
    carrier: str
    tracking_number: str
    phone_tail: str
    lease: str = ""  # the claim this poll holds; a replica that outlived it must not overwrite the next claim


@dataclass(frozen=True, slots=True)
class BookingTask:
    shipment_id: int
    carrier: str
    request: PickupRequest
    phone_tail: str
    attempts: int


@dataclass(frozen=True, slots=True)
class ShipmentState:
    """What poll planning needs to know about a shipment after its latest news."""

    shipment_id: int
    status: Status
    booked_at: datetime | None
    last_event_at: datetime | None
    last_push_at: datetime | None
    poll_failures: int
    #: When the carrier was last asked (poll or live query); checked against its minimum query interval.
    last_checked_at: datetime | None = None


class TrackingStore(Protocol):
    async def claim_due_polls(self, now: datetime, limit: int, lease: timedelta) -> list[PollTask]:
        """Lease due shipments so no other replica polls them until the lease runs out."""
        ...

    async def record_events(
        self, shipment_id: int, events: Sequence[TrackingEvent], *, source: str, now: datetime
    ) -> ShipmentState:
        """Merge the events into the timeline (idempotently) and return the resulting state."""
        ...

    async def record_poll_failure(self, shipment_id: int, error: str) -> ShipmentState: ...

    async def schedule_poll(
        self, shipment_id: int, next_poll_at: datetime | None, *, expire: bool, lease: str = ""
    ) -> None:
        """Set the next poll time (None: stop polling) and release the lease. With `lease`, only while
        that lease still holds the shipment: after a takeover the new holder plans the next poll."""
        ...


class BookingStore(Protocol):
    async def claim_due_bookings(self, now: datetime, limit: int, lease: timedelta) -> list[BookingTask]: ...

    async def record_booking(self, shipment_id: int, booking: Booking, *, now: datetime) -> None: ...

    async def record_booking_failure(
        self, shipment_id: int, error: str, *, retry_at: datetime | None
    ) -> None:
        """`retry_at` None means the failure needs a person (bad configuration or rejected input)."""
        ...


class InboxProcessor(Protocol):
    async def process_pending_pushes(self, limit: int) -> int:
        """Apply stored but unprocessed carrier pushes; returns how many were applied."""
        ...
