"""`GET /api/shipments`: the clerk's list of parcels, filtered; above all the problem parcels of the day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from couriers import Status
from delivery.domain.problems import problem_reason
from delivery.domain.roles import Permission
from delivery.domain.shipment_query import InvalidQuery, parse_shipment_query
from delivery.storage.models import Shipment
from delivery.web.auth import requires
from delivery.web.errors import ApiError
from delivery.web.keys import SERVICES, SETTINGS
from delivery.web.representations import iso, shipment_json

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/api/shipments")
@requires(Permission.MANAGE_DELIVERY)
async def list_shipments(request: web.Request) -> web.Response:
    """Filters: status (comma list), carrier, created_from/to, updated_from/to (date or ISO datetime),
    problem=true|false, stale_days; paginated with page and per_page (at most 200)."""
    services = request.app[SERVICES]
    try:
        query = parse_shipment_query(
            request.query,
            carriers=set(services.couriers),
            default_stale_days=request.app[SETTINGS].tracking("stale_days"),
        )
    except InvalidQuery as e:
        raise ApiError(422, "invalid_query", e.message) from None
    now = datetime.now(UTC)
    page = await services.shipments.list_shipments(query, now=now)
    pages = max(1, -(-page.total // query.per_page))
    return web.json_response(
        {
            "items": [_item(s, now, query.stale_after) for s in page.items],
            "page": query.page,
            "per_page": query.per_page,
            "total": page.total,
            "next_page": query.page + 1 if query.page < pages else None,
        }
    )


def _item(shipment: Shipment, now: datetime, stale_after: timedelta) -> dict[str, Any]:
    base = shipment_json(shipment) or {}
    return base | {
        "certificate_id": shipment.certificate_id,  # type: ignore[attr-defined]
        "recipient": {
            "name": shipment.recipient_name,
            "phone": shipment.recipient_phone,
            "address": "".join(
                (
                    shipment.recipient_province,
                    shipment.recipient_city,
                    shipment.recipient_county,
                    shipment.recipient_address,
                )
            ),
        },
        "created_at": iso(shipment.created_at),
        "updated_at": iso(shipment.updated_at),
        "last_checked_at": iso(shipment.last_checked_at),
        "last_push_at": iso(shipment.last_push_at),
        "next_poll_at": iso(shipment.next_poll_at),
        "problem": problem_reason(
            status=Status(shipment.status),
            last_event_at=shipment.last_event_at,
            booked_at=shipment.booked_at,
            created_at=shipment.created_at,
            last_error=shipment.last_error,
            next_attempt_at=shipment.next_attempt_at,
            now=now,
            stale_after=stale_after,
        ),
    }
