"""Opening the database and bringing its schema up to date (tortoise's built-in migrations)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate

__all__ = ["connection", "database", "dialect", "tortoise_config", "upgrade_schema"]

APP = "models"


def _connection_name(url: str) -> str:
    """Named after the dialect: tortoise caches compiled SQL per connection name, so a process that
    opens SQLite and then PostgreSQL (the test suite does) must not share one name between them."""
    return "sqlite" if url.startswith("sqlite") else url.split("://", 1)[0]


def tortoise_config(url: str) -> dict[str, Any]:
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if "?" not in url:
            # WAL is tortoise's default for SQLite; a busy timeout lets the scheduler and requests share it.
            url += "?journal_mode=WAL&busy_timeout=5000"
    name = _connection_name(url)
    return {
        "connections": {name: url},
        "apps": {
            APP: {
                "models": ["delivery.storage.models"],
                "default_connection": name,
                "migrations": "delivery.storage.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def upgrade_schema(url: str) -> None:
    """Apply pending migrations; safe to call on every start."""
    await migrate(config=tortoise_config(url))
    await Tortoise.close_connections()


@asynccontextmanager
async def database(url: str, *, upgrade: bool = True) -> AsyncIterator[TortoiseContext]:
    """The database for the duration of the block, schema upgraded first.

    The context tortoise returns is closed explicitly: aiohttp may run an app's cleanup in another task
    than its startup, where tortoise's context variable would not find it, leaving connections (and
    aiosqlite's non-daemon threads) open.
    """
    if upgrade:
        await upgrade_schema(url)
    ctx = await Tortoise.init(config=tortoise_config(url))
    try:
        yield ctx
    finally:
        await ctx.close_connections()


def connection() -> BaseDBAsyncClient:
    """The one connection certpost configures, whichever dialect it is."""
    return connections.all()[0]


def dialect() -> str:
    """'sqlite' or 'postgres': the few places that need different SQL ask this."""
    name = connection().capabilities.dialect
    return "postgres" if name.startswith("postgres") else name
