"""Serving test doubles over loopback, and stopping them: the set-up and teardown every contract test needs.

Each carrier's contract tests used to start their simulator and tear it down by hand (the same dozen lines
three times over); `serve_simulator` and `ContractHarness` as an async context manager do it once.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from couriers.simulators.common import Simulator

__all__ = ["dead_url", "serve_app", "serve_simulator"]


@asynccontextmanager
async def serve_app(app: web.Application, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Run `app` on a free loopback port; yields its base URL (`http://host:port`), cleans it up after."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_simulator(simulator: Simulator, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Run a simulator (it pushes only when a test delivers pushes); yields its base URL; stops it after."""
    try:
        async with serve_app(simulator.app(), host) as base_url:
            yield base_url
    finally:
        await simulator.close()


def dead_url(host: str = "127.0.0.1") -> str:
    """The base URL of a port nobody listens on (bound, then released): an unreachable carrier."""
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
    return f"http://{host}:{port}"
