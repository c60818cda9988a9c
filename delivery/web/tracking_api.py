"""The citizen's question: where is my licence? Public: nothing is revealed without the phone tail."""

from __future__ import annotations

import hmac

from aiohttp import web

from delivery.domain.masking import phone_tail
from delivery.storage.models import Shipment
from delivery.web.errors import ApiError
from delivery.web.keys import SERVICES
from delivery.web.representations import tracking_json

__all__ = ["routes"]

routes = web.RouteTableDef()

_NOT_FOUND = "No parcel matches this tracking number and phone number."


@routes.get("/api/track/{tracking_number}")
async def track(request: web.Request) -> web.Response:
    number = request.match_info["tracking_number"].strip()
    tail = request.query.get("phone_tail", "").strip()
    # Unknown number, missing tail and wrong tail answer identically, so numbers can't be probed.
    shipment = await Shipment.filter(tracking_number=number).first() if 0 < len(number) <= 64 else None
    expected = phone_tail(shipment.recipient_phone) if shipment else "----"
    if shipment is None or not hmac.compare_digest(expected.encode(), tail.encode()) or len(tail) != 4:
        raise ApiError(404, "not_found", _NOT_FOUND)
    timeline = await request.app[SERVICES].shipments.timeline(shipment)
    return web.json_response(tracking_json(shipment, timeline), headers={"Cache-Control": "no-store"})
