"""The service books, tracks, receives pushes and cancels through each real adapter, over HTTP, against its
simulator — and a carrier with bad credentials or none at all never loses a shipment.

Everything is real except the carrier: the service listens on a port, the adapter talks HTTP to the
simulator, the simulator pushes to the service's webhook in the carrier's own format.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from couriers.simulators import load_simulator
from couriers.simulators.common import SimClock, Simulator
from delivery.app import create_app
from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.storage.models import Shipment

from .conftest import certificate_body, make_settings

CARRIERS = ["sf_express", "ems", "kuaidi100"]
RECIPIENT_TAIL = "1234"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    base: str
    simulator: Simulator
    http: aiohttp.ClientSession
    clerk: dict[str, str]

    async def certificate_ready(self, carrier: str) -> dict[str, Any]:
        body = certificate_body()
        body["delivery"]["carrier"] = carrier
        created = await self.http.post("/api/certificates", json=body, headers=self.clerk)
        assert created.status == 201, await created.text()
        cert_id = (await created.json())["id"]
        ready = await self.http.post(f"/api/certificates/{cert_id}/ready", headers=self.clerk)
        assert ready.status in (200, 202), await ready.text()
        shipment: dict[str, Any] = (await ready.json())["shipment"]
        return shipment

    async def track(self, number: str) -> dict[str, Any]:
        answer = await self.http.get(f"/api/track/{number}", params={"phone_tail": RECIPIENT_TAIL})
        assert answer.status == 200, await answer.text()
        result: dict[str, Any] = await answer.json()
        return result


@asynccontextmanager
async def stack(
    tmp_path: Path,
    database_url: str,
    carrier: str,
    *,
    config_changes: Callable[[dict[str, Any]], dict[str, Any]] = lambda c: c,
) -> AsyncIterator[Stack]:
    simulator = load_simulator(carrier)(clock=SimClock())
    sim_runner = web.AppRunner(simulator.app(), access_log=None)
    await sim_runner.setup()
    sim_port = _free_port()
    await web.TCPSite(sim_runner, "127.0.0.1", sim_port).start()
    config = config_changes(simulator.adapter_config(f"http://127.0.0.1:{sim_port}"))

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(
        tmp_path,
        database_url,
        server={"public_url": base},
        tracking={"poll_tick_seconds": 0.2, "poll_awaiting_pickup_seconds": 1, "retry_base_seconds": 1},
    )
    settings.raw["couriers"] = {carrier: config}
    if hasattr(simulator, "push_url"):  # carriers without a subscribe API push to a URL set in their portal
        simulator.push_url = f"{base}/webhooks/{carrier}/{config.get('webhook_secret', '')}".rstrip("/")
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        token = await create_token(Role.CLERK, "e2e clerk")
        async with aiohttp.ClientSession(base) as http:
            yield Stack(base, simulator, http, {"Authorization": f"Bearer {token}"})
    finally:
        await runner.cleanup()
        await sim_runner.cleanup()
        await simulator.close()


async def eventually(check: Callable[[], Any], *, within: float = 20.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_book_push_poll_and_cancel_through_the_adapter(
    carrier: str, tmp_path: Path, database_url: str
) -> None:
    async with stack(tmp_path, database_url, carrier) as s:
        shipment = await s.certificate_ready(carrier)
        number = shipment["tracking_number"]
        assert number, shipment
        assert number in s.simulator.parcels, "the booking reached the carrier"
        assert s.simulator.parcels[number].order_id == shipment["order_id"]

        # Pushes: the carrier sends events in its own format; the service stores, acknowledges, applies.
        s.simulator.clock.advance(timedelta(days=1))
        delivered = await s.simulator.deliver_pushes()
        assert delivered, "the carrier had events to push"
        assert all(d.acknowledged for d in delivered), [(d.status, d.body[:200]) for d in delivered]
        answer = await s.track(number)
        assert answer["status"] not in ("pending", "info_received"), answer
        assert answer["events"]

        # Polling: with pushes lost, the service's poll still learns the rest of the parcel's life.
        s.simulator.clock.advance(timedelta(days=7))
        calls_before = sum(s.simulator.calls.values())
        await Shipment.filter(tracking_number=number).update(next_poll_at=datetime.now(UTC))

        async def delivered_by_poll() -> bool:
            return (await s.track(number))["status"] == "delivered"

        assert await eventually(delivered_by_poll), await s.track(number)
        assert sum(s.simulator.calls.values()) > calls_before, "the poll called the carrier"

        # Cancel: a second parcel, cancelled before pickup, is cancelled at the carrier too.
        second = await s.certificate_ready(carrier)
        cancelled = await s.http.post(
            f"/api/shipments/{second['id']}/cancel", json={"reason": "申请人改为自取"}, headers=s.clerk
        )
        assert cancelled.status == 200, await cancelled.text()
        assert (await cancelled.json())["status"] == "cancelled"
        assert s.simulator.parcels[second["tracking_number"]].cancelled_at is not None


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_bad_credentials_keep_the_shipment_pending_and_retried(
    carrier: str, tmp_path: Path, database_url: str
) -> None:
    def wrong(config: dict[str, Any]) -> dict[str, Any]:
        secret_keys = [k for k in ("check_word", "sign_key", "key", "secret", "authorization") if k in config]
        return config | {k: "wrong" + str(config[k])[5:] for k in secret_keys}

    async with stack(tmp_path, database_url, carrier, config_changes=wrong) as s:
        shipment = await s.certificate_ready(carrier)
        assert shipment["status"] == "pending"
        assert shipment["tracking_number"] is None
        assert "configuration" in (shipment["last_error"] or ""), shipment
        assert not s.simulator.parcels
        row = await Shipment.get(id=shipment["id"])
        assert row.next_attempt_at is not None, "the booking is retried"


@pytest.mark.parametrize("carrier", CARRIERS)
async def test_an_unreachable_carrier_keeps_the_shipment_pending_and_retried(
    carrier: str, tmp_path: Path, database_url: str
) -> None:
    def nowhere(config: dict[str, Any]) -> dict[str, Any]:
        closed = f"http://127.0.0.1:{_free_port()}"
        urls = {k: closed + "/api" for k in config if k.endswith("_url")}
        return config | urls | {"attempts": 1, "timeout_seconds": 2}

    async with stack(tmp_path, database_url, carrier, config_changes=nowhere) as s:
        shipment = await s.certificate_ready(carrier)
        assert shipment["status"] == "pending"
        assert shipment["last_error"], shipment
        row = await Shipment.get(id=shipment["id"])
        assert row.next_attempt_at is not None, "the booking is retried"
