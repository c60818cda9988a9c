"""A third-party adapter, installed as a package with a `certpost.couriers` entry point, used by config alone.

The package is built and installed with pip (into a target directory on PYTHONPATH, so the project's venv is
left untouched); the real `certpost serve` discovers it, books through it and tracks with it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

pytestmark = pytest.mark.e2e

ADAPTER = '''
"""TinyPost: a carrier whose whole API is this module (a test fixture for the plug-in mechanism)."""

import hashlib
from datetime import UTC, datetime, timedelta

from couriers import (
    Booking, Capabilities, ConfigurationError, Courier, PushRejected, Status, TrackingEvent, TrackResult,
)


class TinyPostCourier(Courier):
    code = "tinypost"
    name = "TinyPost"
    capabilities = Capabilities(push=False, cancel=True, track_batch_size=5, rate_limit_per_second=5)

    def __init__(self, prefix):
        self.prefix = prefix
        self.booked = {}

    @classmethod
    def from_config(cls, config):
        unknown = set(config) - {"prefix"}
        if unknown or "prefix" not in config:
            raise ConfigurationError(f"tinypost needs exactly 'prefix' (unknown: {sorted(unknown)})")
        return cls(str(config["prefix"]))

    async def book(self, request):
        number = self.prefix + hashlib.sha256(request.order_id.encode()).hexdigest()[:10].upper()
        self.booked[number] = datetime.now(UTC) - timedelta(minutes=5)
        return Booking(request.order_id, number, self.code)

    async def cancel(self, booking):
        self.booked.pop(booking.tracking_number, None)

    async def track(self, queries):
        results = []
        for q in queries:
            at = self.booked.get(q.tracking_number)
            events = [] if at is None else [
                TrackingEvent(q.tracking_number, at, Status.INFO_RECEIVED, "T1", "TinyPost 已接单"),
                TrackingEvent(q.tracking_number, at + timedelta(minutes=1), Status.PICKED_UP, "T2", "已揽收"),
            ]
            results.append(TrackResult(q.tracking_number, events))
        return results

    def parse_push(self, push):
        raise PushRejected("TinyPost does not push", status=404, carrier=self.code)
'''

PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "certpost-tinypost"
version = "0.1.0"

[project.entry-points."certpost.couriers"]
tinypost = "tinypost_courier:TinyPostCourier"
"""


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("tinypost-src")
    (src / "pyproject.toml").write_text(PYPROJECT)
    (src / "tinypost_courier.py").write_text(textwrap.dedent(ADAPTER))
    target = tmp_path_factory.mktemp("tinypost-site")
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run(
        [*pip, "--target", str(target), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert list(target.glob("certpost_tinypost-*.dist-info/entry_points.txt")), (
        "pip installed the entry point"
    )
    return target


async def test_an_installed_adapter_is_used_by_configuration_alone(
    installed_plugin: Path, start_service: Callable[..., Any], tmp_path: Path
) -> None:
    config = tmp_path / "certpost.toml"
    config.write_text('[couriers.tinypost]\nprefix = "TP"\n')
    service = start_service(
        {"CERTPOST_CONFIG": str(config), "CERTPOST_TRACKING_POLL_AWAITING_PICKUP_SECONDS": "1"},
        extra_path=str(installed_plugin),
    )
    clerk = {"Authorization": f"Bearer {service.clerk_token()}"}
    async with aiohttp.ClientSession(service.base) as http:
        types = await (await http.get("/api/certificate-types")).json()
        permit = next(t for t in types if t["code"] == "food_business_licence")
        body = {
            "type": permit["code"],
            "holder": {"name": "王五", "id_number": "330102199003070019"},
            "fields": {f["key"]: f"示例{f['label']}" for f in permit["fields"] if f["required"]},
            "delivery": {
                "method": "courier",
                "carrier": "tinypost",
                "recipient": {
                    "name": "王五",
                    "phone": "13700001111",
                    "province": "浙江省",
                    "city": "杭州市",
                    "county": "西湖区",
                    "address": "文三路1号",
                },
            },
        }
        created = await http.post("/api/certificates", json=body, headers=clerk)
        assert created.status == 201, await created.text()
        cert_id = (await created.json())["id"]
        ready = await (await http.post(f"/api/certificates/{cert_id}/ready", headers=clerk)).json()
        number = ready["shipment"]["tracking_number"]
        assert str(number).startswith("TP"), ready["shipment"]
        assert ready["shipment"]["carrier"] == "tinypost"

        deadline = time.monotonic() + 30
        status = ""
        while time.monotonic() < deadline and status != "picked_up":
            answer = await (await http.get(f"/api/track/{number}", params={"phone_tail": "1111"})).json()
            status = answer["status"]
            await asyncio.sleep(0.3)
        assert status == "picked_up", answer
        assert [e["description"] for e in answer["events"]] == ["TinyPost 已接单", "已揽收"]
