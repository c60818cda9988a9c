"""Shared fixtures: every storage-touching test runs on SQLite, and on PostgreSQL when
CERTPOST_TEST_DATABASE_URL points at one (each test gets a database of its own there)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

POSTGRES_URL = os.environ.get("CERTPOST_TEST_DATABASE_URL", "")

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason="CERTPOST_TEST_DATABASE_URL is not set")
    ),
]


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'certpost.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


class fresh_postgres_database:
    """An empty database on the test server, dropped afterwards."""

    def __init__(self) -> None:
        self.name = "certpost_t_" + uuid.uuid4().hex[:12]

    async def __aenter__(self) -> str:
        admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await admin.close()
        base, _, _ = POSTGRES_URL.rpartition("/")
        return f"{base}/{self.name}"

    async def __aexit__(self, *exc: object) -> None:
        admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()


def _asyncpg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]
