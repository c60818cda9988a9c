"""`GET /api/track/{number}/stream`: the parcel's status as Server-Sent Events.

The current answer first (event `status`), then each change as it is stored — by this replica or, on
PostgreSQL, by another (LISTEN/NOTIFY) — plus keep-alive comments. The answer is also re-checked every
`tracking.fresh_seconds`, which refreshes it live from the carrier when allowed, so a stream stays
current even when no push arrives.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp_sse import sse_response

from delivery.web.citizen import RateLimited, authorize, rate_limited_response
from delivery.web.keys import CITIZEN

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/api/track/{tracking_number}/stream")
async def stream(request: web.Request) -> web.StreamResponse:
    citizen = request.app[CITIZEN]
    try:
        answer = await authorize(request, citizen)
    except RateLimited as e:
        return rate_limited_response(e)
    number = answer.tracking_number
    async with (
        citizen.feed.subscribe(number) as changes,
        sse_response(
            request, ping_interval=citizen.stream_ping_seconds, headers={"Cache-Control": "no-store"}
        ) as sse,
    ):
        sent = answer.body
        await sse.send(sent.decode(), event="status")
        with contextlib.suppress(ConnectionResetError, RuntimeError):
            while sse.is_connected():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changes.get(), citizen.stream_recheck_seconds)
                current = await citizen.service.answer(number)
                if current is not None and current.body != sent:
                    sent = current.body
                    await sse.send(sent.decode(), event="status")
    return sse
