"""`GET /api/track/{number}/stream`: the parcel's status as Server-Sent Events.

The current answer first (event `status`), then each change as it is stored — by this replica or, on
PostgreSQL, by another (LISTEN/NOTIFY) — plus keep-alive comments. The answer is also re-checked every
`tracking.fresh_seconds`, which refreshes it live from the carrier when allowed, so a stream stays
current even when no push arrives. A stream ends as soon as its client leaves or the replica shuts down,
so an open phone never holds a restart up.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp_sse import sse_response

from delivery.web.citizen import RateLimited, authorize, rate_limited_response
from delivery.web.keys import CITIZEN, OPEN_STREAMS

__all__ = ["close_streams", "routes"]

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
        streams = request.app[OPEN_STREAMS]
        streams.add(sse)
        ended = asyncio.ensure_future(sse.wait())  # done when the client leaves or the stream is stopped
        try:
            sent = answer.body
            await sse.send(sent.decode(), event="status")
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                while await _changed_or_rechecked(changes, ended, citizen.stream_recheck_seconds):
                    current = await citizen.service.answer(number)
                    if current is not None and current.body != sent:
                        sent = current.body
                        await sse.send(sent.decode(), event="status")
        finally:
            streams.discard(sse)
            ended.cancel()
    return sse


async def _changed_or_rechecked(
    changes: asyncio.Queue[None], ended: asyncio.Future[None], recheck: float
) -> bool:
    """Waits for a change or the re-check time; False once the stream has ended."""
    change = asyncio.ensure_future(changes.get())
    try:
        await asyncio.wait({change, ended}, timeout=recheck, return_when=asyncio.FIRST_COMPLETED)
    finally:
        change.cancel()
    return not ended.done()


async def close_streams(app: web.Application) -> None:
    """`on_shutdown`: end every open stream so the graceful shutdown does not wait on idle clients."""
    streams = app[OPEN_STREAMS]
    for sse in list(streams):
        sse.stop_streaming()
