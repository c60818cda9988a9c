"""The one async interface every carrier implements, with capabilities declared rather than guessed."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from couriers.events import TrackingEvent

__all__ = [
    "Address",
    "Booking",
    "Capabilities",
    "Courier",
    "InboundPush",
    "PickupRequest",
    "PushOutcome",
    "TrackQuery",
    "TrackResult",
]


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    phone: str
    province: str
    city: str
    county: str
    address: str


@dataclass(frozen=True, slots=True)
class PickupRequest:
    """`order_id` is our idempotency key: booking the same order id twice yields the same booking.

    `callback_url` is where the service receives this carrier's pushes (`/webhooks/<code>`); adapters whose
    booking API takes a callback (Kuaidi100's border API) send it, others ignore it.
    """

    order_id: str
    sender: Address
    recipient: Address
    window_start: datetime
    window_end: datetime
    description: str = "证照"
    weight_kg: float = 0.2
    callback_url: str = ""


@dataclass(frozen=True, slots=True)
class Booking:
    """A pickup the carrier accepted. `tracking_number` is never empty: subscriptions, polling and the
    citizen's lookup are keyed by it, so a carrier that has not assigned one yet makes `book` raise
    `TrackingNumberPending` (the next try with the same order id finds the same order)."""

    order_id: str
    tracking_number: str
    carrier: str
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TrackQuery:
    tracking_number: str
    phone_tail: str = ""


@dataclass(frozen=True, slots=True)
class TrackResult:
    tracking_number: str
    events: Sequence[TrackingEvent]


@dataclass(frozen=True, slots=True)
class InboundPush:
    """A webhook request as the service received it, stripped of the web framework.

    `path_tail` is what followed `/webhooks/<code>` in the URL, leading slash included ("" or "/<secret>").
    """

    path_tail: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """Events found in a push, and the exact acknowledgement the carrier expects back."""

    events: Sequence[TrackingEvent]
    ack_body: bytes
    ack_content_type: str = "application/json"
    ack_status: int = 200
    #: Numbers the carrier stopped pushing (Kuaidi100's `abort`) that the service should subscribe again.
    resubscribe: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Capabilities:
    push: bool
    cancel: bool
    track_batch_size: int
    rate_limit_per_second: float
    min_query_interval: timedelta | None = None


class Courier(abc.ABC):
    """A carrier adapter. One instance per configured carrier, shared by the whole service."""

    code: ClassVar[str]
    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    @classmethod
    @abc.abstractmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """Build the adapter from its `[couriers.<code>]` config section (unknown keys are an error)."""

    @abc.abstractmethod
    async def book(self, request: PickupRequest) -> Booking:
        """Book a pickup at the sender's address; repeated order ids return the existing booking."""

    @abc.abstractmethod
    async def cancel(self, booking: Booking) -> None:
        """Cancel a booking before pickup."""

    @abc.abstractmethod
    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        """Current timeline of each number; batches to the carrier's limit internally."""

    def webhook_path(self) -> str:
        """What follows `/webhooks/<code>` in the URL this carrier pushes to ("" or "/<secret>").

        Carriers that sign nothing (SF Express) are authenticated by a secret path segment; the service
        builds callback URLs with it and `certpost doctor` shows the full URL to register with the carrier.
        """
        return ""

    async def subscribe(self, query: TrackQuery, callback_url: str) -> None:  # noqa: B027 - optional hook
        """Ask the carrier to push events for this number to `callback_url` (no-op without push)."""

    @abc.abstractmethod
    def parse_push(self, push: InboundPush) -> PushOutcome:
        """Authenticate and parse a push; raise `PushRejected` with the HTTP status to answer otherwise."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release sessions and background tasks."""
