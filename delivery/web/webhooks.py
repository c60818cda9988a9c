"""Inbound carrier pushes at /webhooks/<carrier>[/<secret path>]."""

from __future__ import annotations

from aiohttp import web

from couriers import InboundPush, PushRejected
from delivery.services.pushes import UnknownCarrier
from delivery.web.errors import error_response
from delivery.web.keys import SERVICES

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.post(r"/webhooks/{carrier}{tail:(/.*)?}")
async def receive(request: web.Request) -> web.Response:
    carrier = request.match_info["carrier"]
    body = await request.read()
    push = InboundPush(
        path_tail=request.match_info.get("tail", ""),
        headers=dict(request.headers),
        body=body,
        content_type=request.content_type,
    )
    try:
        outcome = await request.app[SERVICES].pushes.receive(carrier, push)
    except UnknownCarrier:
        return error_response(404, "unknown_carrier", f"No carrier {carrier!r} is configured here.")
    except PushRejected as e:
        code = {400: "malformed_push", 401: "unauthorized", 403: "forbidden"}.get(e.status, "rejected")
        return error_response(e.status, code, str(e))
    return web.Response(
        body=outcome.ack_body, status=outcome.ack_status, headers={"Content-Type": outcome.ack_content_type}
    )
