"""A clerk cancels a delivery before pickup; the carrier is told and the status is final."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from couriers import Booking, Courier, RejectedError, RetryableError
from delivery.app import create_app
from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.storage.models import Shipment, ShipmentEvent

from .conftest import Api, ClientFactory, certificate_body, make_settings


@pytest.fixture
async def api(aiohttp_client: ClientFactory, tmp_path: Path, database_url: str) -> Api:
    """Parcels at real speed, so there is time to cancel before the courier arrives."""
    settings = make_settings(tmp_path, database_url)
    settings.raw["couriers"] = {"sandbox": {"time_scale": 1.0, "push": False}}
    client = await aiohttp_client(create_app(settings, run_jobs=False))
    return Api(client, await create_token(Role.CLERK, "test clerk"))


async def _ready_shipment(api: Api) -> dict[str, Any]:
    cert = await api.create(certificate_body())
    shipment: dict[str, Any] = (await api.ready(cert["id"]))["shipment"]
    assert shipment["tracking_number"]
    return shipment


async def _cancel(api: Api, shipment_id: int | str, body: Any) -> Any:
    return await api.client.post(f"/api/shipments/{shipment_id}/cancel", json=body, headers=api.clerk)


async def test_cancel_tells_the_carrier_and_ends_tracking(api: Api) -> None:
    shipment = await _ready_shipment(api)
    sandbox = api.services.couriers["sandbox"]
    response = await _cancel(api, shipment["id"], {"reason": "申请人改为窗口自取"})
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["status"] == "cancelled"
    assert shipment["tracking_number"] in sandbox._cancelled  # type: ignore[attr-defined]
    row = await Shipment.get(id=shipment["id"])
    assert row.next_poll_at is None
    again = await _cancel(api, shipment["id"], {"reason": "again"})
    assert again.status == 409
    assert "already cancelled" in (await again.json())["error"]["message"]


async def test_a_carrier_refusal_changes_nothing(api: Api, monkeypatch: Any) -> None:
    shipment = await _ready_shipment(api)
    courier: Courier = api.services.couriers["sandbox"]

    async def refuse(booking: Booking) -> None:
        raise RejectedError("already picked up", carrier="sandbox")

    monkeypatch.setattr(courier, "cancel", refuse)
    response = await _cancel(api, shipment["id"], {"reason": "改自取"})
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "carrier_refused"
    assert (await Shipment.get(id=shipment["id"])).status == "info_received"
    assert not await ShipmentEvent.filter(shipment_id=shipment["id"], raw_code="certpost:cancelled").exists()


async def test_an_unreachable_carrier_is_503_and_changes_nothing(api: Api, monkeypatch: Any) -> None:
    shipment = await _ready_shipment(api)
    courier: Courier = api.services.couriers["sandbox"]

    async def down(booking: Booking) -> None:
        raise RetryableError("timeout", carrier="sandbox")

    monkeypatch.setattr(courier, "cancel", down)
    response = await _cancel(api, shipment["id"], {"reason": "改自取"})
    assert response.status == 503
    assert (await Shipment.get(id=shipment["id"])).status == "info_received"


async def test_bad_requests_are_clear(api: Api) -> None:
    shipment = await _ready_shipment(api)
    missing = await _cancel(api, shipment["id"], {})
    assert missing.status == 422
    assert "reason" in (await missing.json())["error"]["message"]
    unknown = await _cancel(api, 999999, {"reason": "x"})
    assert unknown.status == 404
    anonymous = await api.client.post(f"/api/shipments/{shipment['id']}/cancel", json={"reason": "x"})
    assert anonymous.status == 401
    assert (await Shipment.get(id=shipment["id"])).status == "info_received"
