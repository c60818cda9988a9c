"""`certpost demo`: the whole story — clerk, signed PDF, courier, citizen — in about a minute.

It runs a real service in this process on a free local port and talks to it over HTTP, exactly as a
clerk's console and a citizen's phone would.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from copy import deepcopy
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from couriers.simulators import SIMULATORS
from couriers.simulators.common import Simulator, run_simulator
from delivery.config import Settings
from delivery.simulate import build_simulator

__all__ = ["DEMO_CERTIFICATE", "run_demo"]

DEMO_CERTIFICATE: dict[str, Any] = {
    "holder": {"name": "张三", "id_number": "330102199003070019"},
    "delivery": {
        "method": "courier",
        "recipient": {
            "name": "张三",
            "phone": "13812341234",
            "province": "浙江省",
            "city": "宁波市",
            "county": "鄞州区",
            "address": "天童南路588号",
        },
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_settings(
    settings: Settings,
    *,
    carrier: str,
    data_dir: Path,
    time_scale: float,
    courier_config: dict[str, Any] | None = None,
) -> Settings:
    raw = deepcopy(dict(settings.raw))
    port = _free_port()
    raw["server"] |= {"host": "127.0.0.1", "port": port, "public_url": f"http://127.0.0.1:{port}"}
    raw["storage"] = {"data_dir": str(data_dir)}
    if not raw["database"].get("url"):
        raw["database"] = {"url": ""}
    couriers = raw.setdefault("couriers", {})
    if carrier == "sandbox":
        couriers["sandbox"] = {**couriers.get("sandbox", {}), "time_scale": time_scale, "push": True}
    elif courier_config is not None:
        couriers[carrier] = courier_config
    return Settings(raw=raw)


@asynccontextmanager
async def carrier_simulator(carrier: str, time_scale: float) -> AsyncIterator[tuple[Simulator, str] | None]:
    """The carrier's protocol simulator on a local port, its clock at `time_scale`; None for the sandbox."""
    if carrier not in SIMULATORS:
        yield None
        return
    simulator = build_simulator(carrier, time_scale=time_scale, push_interval=0.5)
    runner = await run_simulator(simulator)
    host, port = runner.addresses[0][:2]
    try:
        yield simulator, f"http://{host}:{port}"
    finally:
        await runner.cleanup()
        await simulator.close()


async def run_demo(
    settings: Settings, *, carrier: str, data_dir: Path, time_scale: float, time_limit: float = 240.0
) -> int:
    """Through the sandbox, or through a real adapter talking HTTP to its carrier's simulator."""
    async with carrier_simulator(carrier, time_scale) as simulated:
        courier_config = None
        if simulated is not None:
            simulator, sim_url = simulated
            courier_config = simulator.adapter_config(sim_url)
            say(f"Carrier: the {carrier} protocol simulator listens on {sim_url} (time ×{time_scale:g})")
        settings = demo_settings(
            settings, carrier=carrier, data_dir=data_dir, time_scale=time_scale, courier_config=courier_config
        )
        if simulated is not None and hasattr(simulated[0], "push_url"):
            # Carriers without a subscribe API push to the URL registered in their portal.
            secret = str((courier_config or {}).get("webhook_secret", ""))
            simulated[0].push_url = f"{settings.public_url}/webhooks/{carrier}" + (
                f"/{secret}" if secret else ""
            )
        return await _run_service(settings, carrier, time_limit)


async def _run_service(settings: Settings, carrier: str, time_limit: float) -> int:
    from delivery.app import create_app
    from delivery.domain.roles import Role
    from delivery.services.tokens import create_token
    from delivery.storage.models import Certificate

    say(f"Starting certpost on {settings.public_url} (data in {settings.data_dir}, carrier {carrier})")
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    try:
        token = await create_token(Role.CLERK, "demo clerk")
        base = settings.public_url
        async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {token}"}) as clerk:
            types = await _json(await clerk.get("/api/certificate-types"))
            cert_type = types[0]
            say(
                f"Clerk: certificate types available: {', '.join(t['code'] + ' ' + t['name'] for t in types)}"
            )
            body = deepcopy(DEMO_CERTIFICATE)
            body["type"] = cert_type["code"]
            body["fields"] = {f["key"]: _sample_value(f["key"], f["label"]) for f in cert_type["fields"]}
            body["delivery"]["carrier"] = carrier
            created = await _json(await clerk.post("/api/certificates", json=body))
            say(f"Clerk: created certificate #{created['id']} ({cert_type['name']}) for 张三")
            ready = await _json(await clerk.post(f"/api/certificates/{created['id']}/ready"))
            say(f"Clerk: marked ready; identifier {ready['identifier']}")
            pdf_path = (await Certificate.get(id=created["id"])).pdf_path
            say(f"Service: signed PDF stored at {pdf_path}")
            shipment = ready["shipment"]
            started = time.monotonic()
            while shipment["tracking_number"] is None:
                if time.monotonic() - started > 60:
                    say(f"Courier booking still pending: {shipment.get('last_error')}")
                    return 1
                await asyncio.sleep(1)
                shipment = (await _json(await clerk.get(f"/api/certificates/{created['id']}")))["shipment"]
            number = shipment["tracking_number"]
            say(f"Service: booked {carrier} pickup at the hall; tracking number {number}")
        tail = DEMO_CERTIFICATE["delivery"]["recipient"]["phone"][-4:]
        return await _follow_as_citizen(base, number, tail, time_limit)
    finally:
        await runner.cleanup()


async def _follow_as_citizen(base: str, number: str, tail: str, time_limit: float) -> int:
    say(f"Citizen: tracking {number} with phone tail {tail} …")
    seen = 0
    status = ""
    deadline = time.monotonic() + time_limit
    async with aiohttp.ClientSession(base) as citizen:
        while time.monotonic() < deadline:
            answer = await _json(await citizen.get(f"/api/track/{number}", params={"phone_tail": tail}))
            for event in answer["events"][seen:]:
                when, status_name = event["time"][:19], event["status"]
                say(f"  {when}  {status_name:<20} {event['location']} {event['description']}")
            seen = len(answer["events"])
            if answer["status"] != status:
                status = answer["status"]
                say(f"Citizen: status is now {status}")
            if status in ("delivered", "returned", "cancelled", "expired"):
                say("Done: the licence reached the citizen without a second trip to the hall.")
                return 0 if status == "delivered" else 1
            await asyncio.sleep(0.5)
    say("The parcel did not finish within the demo's time; run again with a larger --time-scale.")
    return 1


def _sample_value(key: str, label: str) -> str:
    samples = {"valid_until": "2031-11-27", "valid_from": "2026-11-28", "address": "杭州市上城区解放东路18号"}
    return samples.get(key, f"示例{label}")


async def _json(response: aiohttp.ClientResponse) -> Any:
    async with response:
        data = await response.json()
        if response.status >= 400:
            raise RuntimeError(f"{response.method} {response.url.path} → {response.status}: {data}")
        return data


def say(message: str) -> None:
    print(message, flush=True)
