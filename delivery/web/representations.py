"""JSON shapes of the API's resources, in one place so every route answers alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from couriers import TrackingEvent
from delivery.domain.masking import mask_address, mask_name, mask_phone
from delivery.storage.models import Certificate, Shipment

__all__ = ["certificate_json", "iso", "shipment_json", "tracking_json"]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def shipment_json(shipment: Shipment | None) -> dict[str, Any] | None:
    if shipment is None:
        return None
    return {
        "id": shipment.id,
        "carrier": shipment.carrier,
        "status": shipment.status,
        "tracking_number": shipment.tracking_number,
        "order_id": shipment.order_id,
        "booked_at": iso(shipment.booked_at),
        "last_event_at": iso(shipment.last_event_at),
        "last_error": shipment.last_error,
    }


def certificate_json(cert: Certificate, shipment: Shipment | None) -> dict[str, Any]:
    return {
        "id": cert.id,
        "type": cert.type_code,
        "status": cert.status,
        "identifier": cert.identifier,
        "version": cert.version,
        "holder": {"name": cert.holder_name, "id_number": cert.holder_id_number},
        "fields": cert.fields_json,
        "delivery": cert.delivery_json,
        "issuer": {"name": cert.issuer_name, "code": cert.issuer_code},
        "issued_at": iso(cert.issued_at),
        "created_at": iso(cert.created_at),
        "pdf_url": f"/api/certificates/{cert.id}/pdf" if cert.pdf_path else None,
        "revocation": (
            {"revoked_at": iso(cert.revoked_at), "reason": cert.revocation_reason}
            if cert.revoked_at
            else None
        ),
        "shipment": shipment_json(shipment),
    }


def tracking_json(shipment: Shipment, timeline: Sequence[TrackingEvent]) -> dict[str, Any]:
    """What a citizen sees: their parcel's story, with personal data masked."""
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier,
        "status": shipment.status,
        "recipient": {
            "name": mask_name(shipment.recipient_name),
            "phone": mask_phone(shipment.recipient_phone),
            "address": mask_address(
                shipment.recipient_province, shipment.recipient_city, shipment.recipient_county
            ),
        },
        "events": [
            {
                "time": e.time.isoformat(),
                "status": e.status.value,
                "description": e.description,
                "location": e.location,
            }
            for e in timeline
        ],
    }
