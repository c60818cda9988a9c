"""What a clerk does to a delivery once it exists: cancel it (before pickup).

Cancelling is recorded as an event on the shipment's own timeline (raw code `certpost:cancelled`), so the
status is derived the same way as for a carrier's events and a late carrier scan never revives it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from tortoise.expressions import Q

from couriers import Booking, Courier, Status, TrackingEvent
from delivery.services.certificates import Conflict, NotFound
from delivery.storage.models import Shipment
from delivery.storage.shipments import ShipmentRepository

__all__ = ["CANCELLED_CODE", "DeliveryService"]

log = logging.getLogger(__name__)

CANCELLED_CODE = "certpost:cancelled"


class DeliveryService:
    def __init__(self, couriers: Mapping[str, Courier], shipments: ShipmentRepository) -> None:
        self._couriers = couriers
        self._shipments = shipments

    async def get(self, shipment_id: int) -> Shipment:
        shipment = await Shipment.filter(id=shipment_id).first()
        if shipment is None:
            raise NotFound(f"shipment {shipment_id} does not exist")
        return shipment

    async def cancel(self, shipment_id: int, reason: str) -> Shipment:
        """Cancel with the carrier (if booked), then record it; a carrier error changes nothing here."""
        shipment = await self.get(shipment_id)
        status = Status(shipment.status)
        if status.terminal:
            raise Conflict(f"shipment {shipment_id} is already {status.value}; there is nothing to cancel")
        now = datetime.now(UTC)
        if shipment.tracking_number is None:
            # Not booked yet: stop the booking retries, unless a booking is running right now.
            free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
            claimed = await Shipment.filter(
                Q(id=shipment_id, tracking_number__isnull=True, status=Status.PENDING.value) & free
            ).update(next_attempt_at=None)
            if not claimed:
                raise Conflict(
                    "a courier is being booked for this shipment right now; try again in a few seconds"
                )
        else:
            courier = self._couriers.get(shipment.carrier)
            if courier is None:
                raise Conflict(
                    f"carrier {shipment.carrier!r} is no longer configured; cancel with the carrier directly"
                )
            booking = Booking(
                shipment.order_id, shipment.tracking_number, shipment.carrier, shipment.booking_json
            )
            await courier.cancel(booking)
            log.info("cancelled shipment %s (%s %s)", shipment_id, shipment.carrier, shipment.tracking_number)
        event = TrackingEvent(
            tracking_number=shipment.tracking_number or "",
            time=now,
            status=Status.CANCELLED,
            raw_code=CANCELLED_CODE,
            description=f"窗口已取消寄递：{reason}",
        )
        await self._shipments.record_events(shipment_id, [event], source="clerk", now=now)
        await self._shipments.reschedule_poll(shipment_id, None, expire=False)
        return await self.get(shipment_id)
