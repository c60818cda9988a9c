"""The citizen's question: where is my licence? Public: nothing is revealed without the phone tail."""

from __future__ import annotations

from aiohttp import web

from delivery.web.citizen import RateLimited, authorize, rate_limited_response
from delivery.web.keys import CITIZEN

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/api/track/{tracking_number}")
async def track(request: web.Request) -> web.Response:
    """Served from the read model; refreshed live from the carrier first when stale (bounded wait)."""
    try:
        answer = await authorize(request, request.app[CITIZEN])
    except RateLimited as e:
        return rate_limited_response(e)
    return web.Response(body=answer.body, content_type="application/json", charset="utf-8", headers=_NO_STORE)


_NO_STORE = {"Cache-Control": "no-store"}
