"""`SandboxCourier`: a carrier with no network behind it, whose parcels live plausible, repeatable lives.

It is the embedded default carrier, used by `certpost demo` and most service tests. All it keeps in memory is
the order-id → booking map (for idempotent booking) and cancellations; everything else is replayed from the
tracking number (see `numbers` and `timeline`), so tracking survives restarts and works across replicas.

Decisions worth knowing:
- `track` answers every number, never raising for one bad number in a batch: a malformed number, or one whose
  check digit is wrong, gets an empty timeline, as real carriers answer "no record" (查无此单). Use
  `parse_tracking_number` to validate a number up front.
- Event times are `booked_at + simulated offset / time_scale`; changing `time_scale` or `seed` reshapes the
  lives of parcels already in flight (their old events then look like different events).
- Cancellations are kept in memory only: after a restart a cancelled parcel resumes its planned life.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import aiohttp

from couriers.contract import (
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PickupRequest,
    PushOutcome,
    TrackQuery,
    TrackResult,
)
from couriers.errors import PushRejected, RejectedError
from couriers.events import TrackingEvent
from couriers.sandbox import codes, wire
from couriers.sandbox.cities import city_at, city_index
from couriers.sandbox.config import SandboxConfig
from couriers.sandbox.numbers import SERIAL_MODULUS, make_tracking_number, parse_tracking_number
from couriers.sandbox.pusher import DEFAULT_RETRY_DELAYS, PushClient, Subscriptions
from couriers.sandbox.timeline import plan_life
from couriers.wire_common import as_utc, utc_now

__all__ = ["SandboxCourier"]


class SandboxCourier(Courier):
    """The simulated carrier "sandbox" (沙箱快递); see the module docstring for its rules."""

    code: ClassVar[str] = "sandbox"
    name: ClassVar[str] = "沙箱快递"
    capabilities: ClassVar[Capabilities] = Capabilities(
        push=True, cancel=True, track_batch_size=50, rate_limit_per_second=50
    )

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        now: Callable[[], datetime] = utc_now,
        session: aiohttp.ClientSession | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        serial_start: int | None = None,
    ) -> None:
        """`now` must return timezone-aware datetimes (inject a virtual clock in tests); `session` is used for
        pushes and left open by `close`; `serial_start` fixes the first serial (random by default, so replicas
        booking in the same second rarely collide)."""
        self.config = config or SandboxConfig()
        if not self.config.push:
            # Declared per instance: the service decides whether to wait for pushes by reading this.
            self.capabilities = Capabilities(  # type: ignore[misc]
                push=False, cancel=True, track_batch_size=50, rate_limit_per_second=50
            )
        self._now = now
        start = random.SystemRandom().randrange(SERIAL_MODULUS) if serial_start is None else serial_start
        self._serials = itertools.count(start)
        self._orders: dict[str, Booking] = {}
        self._issued: set[str] = set()
        self._cancelled: dict[str, datetime] = {}
        self._push_client = PushClient(self.config.secret, session=session, retry_delays=retry_delays)
        self._pushes = Subscriptions(self._push_client, self.timeline, self.now)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(SandboxConfig.from_mapping(config))

    def now(self) -> datetime:
        """The adapter's clock, in UTC."""
        return as_utc(self._now(), what="the sandbox clock")

    async def book(self, request: PickupRequest) -> Booking:
        """Book at once; the same `order_id` again returns the first booking, whatever else changed."""
        existing = self._orders.get(request.order_id)
        if existing is not None:
            return existing
        for field_name, value in (
            ("recipient.address", request.recipient.address),
            ("recipient.phone", request.recipient.phone),
            ("sender.address", request.sender.address),
        ):
            if not value.strip():
                raise RejectedError(f"{field_name} is required", carrier=self.code, raw_code="MISSING_FIELD")
        booked_at = self.now().replace(microsecond=0)
        origin, destination = city_index(request.sender.city), city_index(request.recipient.city)
        number = make_tracking_number(booked_at, origin, destination, next(self._serials))
        while number in self._issued:
            number = make_tracking_number(booked_at, origin, destination, next(self._serials))
        self._issued.add(number)
        booking = Booking(
            order_id=request.order_id,
            tracking_number=number,
            carrier=self.code,
            raw={"tracking_number": number, "booked_at": booked_at.isoformat(), "code": codes.BOOKED},
        )
        self._orders[request.order_id] = booking
        return booking

    async def cancel(self, booking: Booking) -> None:
        """Cancel before pickup (again: no-op); after pickup `RejectedError` (raw code ALREADY_PICKED_UP)."""
        number = booking.tracking_number
        if number in self._cancelled:
            return
        try:
            parse_tracking_number(number)
        except ValueError as e:
            raise RejectedError(str(e), carrier=self.code, raw_code="UNKNOWN_NUMBER") from e
        now = self.now()
        picked = [e for e in self.timeline(number) if e.raw_code == codes.PICKED_UP and e.time <= now]
        if picked:
            raise RejectedError(
                f"{number} was picked up at {picked[0].time.isoformat()}; it can no longer be cancelled",
                carrier=self.code,
                raw_code="ALREADY_PICKED_UP",
            )
        self._cancelled[number] = now
        self._pushes.wake(number)

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        """Events that have happened by now, per query, in query order (empty for a malformed number)."""
        now = self.now()
        return [
            TrackResult(q.tracking_number, [e for e in self.timeline(q.tracking_number) if e.time <= now])
            for q in queries
        ]

    async def subscribe(self, query: TrackQuery, callback_url: str) -> None:
        """Push this number's events to `callback_url` as they happen, past ones at once."""
        if not self.config.push:
            return
        try:
            parse_tracking_number(query.tracking_number)
        except ValueError as e:
            raise RejectedError(str(e), carrier=self.code, raw_code="UNKNOWN_NUMBER") from e
        if urlsplit(callback_url).scheme not in ("http", "https"):
            raise RejectedError(f"callback URL must be http(s): {callback_url!r}", carrier=self.code)
        self._pushes.subscribe(query.tracking_number, callback_url)

    def parse_push(self, push: InboundPush) -> PushOutcome:
        """Verify `X-Sandbox-Signature` (401 if missing or wrong), then parse the body (400 if malformed)."""
        signature = next(
            (v for k, v in push.headers.items() if k.lower() == wire.SIGNATURE_HEADER.lower()), None
        )
        if not wire.verify(self.config.secret, push.body, signature):
            raise PushRejected("missing or wrong X-Sandbox-Signature", status=401, carrier=self.code)
        try:
            _, events = wire.decode_push(push.body)
        except ValueError as e:
            raise PushRejected(f"malformed sandbox push: {e}", status=400, carrier=self.code) from e
        return PushOutcome(events=events, ack_body=wire.ACK_BODY)

    def active_subscriptions(self) -> list[str]:
        """Numbers whose push task is still running (it ends when the parcel's life is over)."""
        return self._pushes.active()

    async def close(self) -> None:
        """Stop all push tasks and close the push session (unless it was injected)."""
        await self._pushes.close()
        await self._push_client.close()

    def timeline(self, tracking_number: str) -> list[TrackingEvent]:
        """The parcel's whole life in real time, future events included; [] for a malformed number."""
        try:
            parsed = parse_tracking_number(tracking_number)
        except ValueError:
            return []
        origin, destination = city_at(parsed.origin), city_at(parsed.destination)
        plan = plan_life(
            tracking_number,
            seed=self.config.seed,
            origin=origin.name if origin else None,
            destination=destination.name if destination else None,
        )
        events = [
            TrackingEvent(
                tracking_number=tracking_number,
                time=parsed.booked_at + timedelta(seconds=p.offset / self.config.time_scale),
                status=codes.status_for(p.code),
                raw_code=p.code,
                description=p.description,
                location=p.location,
            )
            for p in plan
        ]
        cancelled_at = self._cancelled.get(tracking_number)
        if cancelled_at is not None:
            events = [e for e in events if e.time <= cancelled_at]
            events.append(
                TrackingEvent(
                    tracking_number=tracking_number,
                    time=max(cancelled_at, events[-1].time) if events else cancelled_at,
                    status=codes.status_for(codes.CANCELLED),
                    raw_code=codes.CANCELLED,
                    description="订单已取消",
                    location=events[0].location if events else "",
                )
            )
        return events
