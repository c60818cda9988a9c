"""End to end: the real `certpost serve` process, a clerk over HTTP, a citizen watching the parcel arrive.

The sandbox courier runs 20 000× faster than life and pushes its events to the service's webhook, as
a real carrier would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

pytestmark = pytest.mark.e2e

RECIPIENT = {
    "name": "李四",
    "phone": "13912345678",
    "province": "浙江省",
    "city": "温州市",
    "county": "鹿城区",
    "address": "人民路100号",
}


@pytest.fixture
def service(start_service: Callable[..., Any]) -> Any:
    return start_service(
        {"CERTPOST_COURIERS_SANDBOX_TIME_SCALE": "20000", "CERTPOST_COURIERS_SANDBOX_PUSH": "true"}
    )


async def test_clerk_marks_ready_and_citizen_sees_delivery(service: Any) -> None:
    base = service.base
    token = service.clerk_token()
    clerk = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base) as http:
        types = await (await http.get("/api/certificate-types")).json()
        permit = next(t for t in types if t["code"] == "food_business_licence")
        body = {
            "type": permit["code"],
            "holder": {"name": "李四", "id_number": "330102199003070027"},
            "fields": {f["key"]: f"示例{f['label']}" for f in permit["fields"] if f["required"]},
            "delivery": {"method": "courier", "carrier": "sandbox", "recipient": RECIPIENT},
        }
        created = await http.post("/api/certificates", json=body, headers=clerk)
        assert created.status == 201, await created.text()
        cert_id = (await created.json())["id"]
        ready = await http.post(f"/api/certificates/{cert_id}/ready", headers=clerk)
        assert ready.status in (200, 202)
        shipment = (await ready.json())["shipment"]
        for _ in range(60):
            if shipment["tracking_number"]:
                break
            await asyncio.sleep(0.5)
            shipment = (await (await http.get(f"/api/certificates/{cert_id}", headers=clerk)).json())[
                "shipment"
            ]
        number = shipment["tracking_number"]
        assert number

        pdf = await http.get(f"/api/certificates/{cert_id}/pdf", headers=clerk)
        assert pdf.status == 200
        assert (await pdf.read()).startswith(b"%PDF")

        wrong = await http.get(f"/api/track/{number}", params={"phone_tail": "0000"})
        assert wrong.status == 404

        seen: list[str] = []
        deadline = time.monotonic() + 90
        status = ""
        while time.monotonic() < deadline and status != "delivered":
            answer = await (await http.get(f"/api/track/{number}", params={"phone_tail": "5678"})).json()
            status = answer["status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            await asyncio.sleep(0.3)
        assert status == "delivered", seen
        assert len(seen) >= 3, seen
        assert answer["recipient"]["name"] == "李*"
        assert [e["time"] for e in answer["events"]] == sorted(e["time"] for e in answer["events"])
        assert {"picked_up", "in_transit", "out_for_delivery", "delivered"} <= {
            e["status"] for e in answer["events"]
        }
