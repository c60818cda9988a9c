"""Clerk actions on a delivery: `POST /api/shipments/{id}/cancel`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from couriers import ConfigurationError, RejectedError, RetryableError
from delivery.domain.intake import IntakeError
from delivery.domain.roles import Permission
from delivery.web.auth import requires
from delivery.web.certificates_api import read_json
from delivery.web.errors import ApiError
from delivery.web.keys import SERVICES
from delivery.web.representations import shipment_json

__all__ = ["routes"]

routes = web.RouteTableDef()

MAX_REASON = 500


def _reason(body: Any) -> str:
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise IntakeError("missing_field", "reason is required to cancel a delivery.", field="reason")
    if len(reason.strip()) > MAX_REASON:
        raise IntakeError("invalid_field", f"reason is longer than {MAX_REASON} characters.", field="reason")
    return reason.strip()


@routes.post("/api/shipments/{id}/cancel")
@requires(Permission.MANAGE_DELIVERY)
async def cancel(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(404, "not_found", f"shipment {raw} does not exist")
    reason = _reason(await read_json(request))
    deliveries = request.app[SERVICES].deliveries
    try:
        shipment = await deliveries.cancel(int(raw), reason)
    except RejectedError as e:
        raise ApiError(409, "carrier_refused", f"The carrier refused to cancel: {e}") from e
    except ConfigurationError as e:
        raise ApiError(502, "carrier_configuration", f"The carrier rejected our credentials: {e}") from e
    except RetryableError as e:
        raise ApiError(
            503, "carrier_unavailable", f"The carrier cannot be reached; nothing changed. {e}"
        ) from e
    return web.json_response(shipment_json(shipment))
