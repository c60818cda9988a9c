"""Liveness for load balancers and operators: 200 only when the database answers."""

from __future__ import annotations

from aiohttp import web

from delivery.storage.database import connection

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        await connection().execute_query("SELECT 1")
    except Exception as e:
        return web.json_response({"status": "unavailable", "database": type(e).__name__}, status=503)
    return web.json_response({"status": "ok"})
