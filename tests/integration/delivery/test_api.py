"""The HTTP contract as clerks, integrators and citizens use it (aiohttp test client, real database)."""

from __future__ import annotations

from typing import Any

import pytest

from couriers import TrackQuery
from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.storage.models import Certificate, Shipment

from .conftest import Api, certificate_body


async def count_rows() -> tuple[int, int]:
    return await Certificate.all().count(), await Shipment.all().count()


async def test_health_and_types(api: Api) -> None:
    health = await api.client.get("/healthz")
    assert health.status == 200
    types = await (await api.client.get("/api/certificate-types")).json()
    assert len(types) >= 2
    assert {"code", "name"} <= set(types[0])
    assert any(t["code"] == "food_business_licence" and t["name"] == "食品经营许可证" for t in types)


async def test_create_then_ready_books_once(api: Api) -> None:
    created = await api.create(certificate_body())
    assert created["status"] == "draft"
    assert created["identifier"] is None
    ready = await api.ready(created["id"])
    assert ready["status"] == "ready"
    assert ready["identifier"].startswith("1.2.156.3005.2.")
    shipment = ready["shipment"]
    assert shipment["carrier"] == "sandbox"
    assert shipment["status"] == "info_received"
    assert shipment["tracking_number"]
    again = await api.ready(created["id"])
    assert again["shipment"] == shipment
    assert again["identifier"] == ready["identifier"]
    assert await Shipment.all().count() == 1
    current = await (await api.client.get(f"/api/certificates/{created['id']}", headers=api.clerk)).json()
    assert current["shipment"]["tracking_number"] == shipment["tracking_number"]


async def test_the_pdf_is_signed(api: Api) -> None:
    created = await api.create(certificate_body())
    before = await api.client.get(f"/api/certificates/{created['id']}/pdf", headers=api.clerk)
    assert before.status == 409
    await api.ready(created["id"])
    response = await api.client.get(f"/api/certificates/{created['id']}/pdf", headers=api.clerk)
    assert response.status == 200
    assert response.content_type == "application/pdf"
    pdf = await response.read()
    assert pdf.startswith(b"%PDF")
    assert b"/ByteRange" in pdf
    assert b"/ETSI.CAdES.detached" in pdf


async def test_hall_pickup_creates_no_shipment(api: Api) -> None:
    created = await api.create(certificate_body(delivery={"method": "hall_pickup"}))
    ready = await api.ready(created["id"])
    assert ready["shipment"] is None
    assert ready["identifier"]


async def test_concurrent_ready_calls_book_one_courier(api: Api) -> None:
    import asyncio

    created = await api.create(certificate_body())
    answers = await asyncio.gather(*(api.ready(created["id"]) for _ in range(4)))
    assert len({a["shipment"]["id"] for a in answers}) == 1
    assert await Shipment.all().count() == 1


async def test_citizen_tracks_with_phone_tail(api: Api) -> None:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    number = ready["shipment"]["tracking_number"]
    ok = await api.client.get(f"/api/track/{number}", params={"phone_tail": "1234"})
    assert ok.status == 200
    body = await ok.json()
    assert body["tracking_number"] == number
    assert body["carrier"] == "sandbox"
    # Never asked the carrier yet, so the request refreshed live: the sandbox's fast clock has moved on.
    assert body["status"] != "pending"
    assert body["as_of"] is not None
    assert body["recipient"] == {"name": "张*", "phone": "138****1234", "address": "浙江省宁波市鄞州区"}
    misses = [
        await api.client.get(f"/api/track/{number}", params={"phone_tail": "9999"}),
        await api.client.get(f"/api/track/{number}"),
        await api.client.get("/api/track/SB000000000000", params={"phone_tail": "1234"}),
    ]
    bodies = [await r.json() for r in misses]
    assert [r.status for r in misses] == [404, 404, 404]
    assert bodies[0] == bodies[1] == bodies[2]


async def test_poll_job_moves_the_status_to_delivered(api: Api) -> None:
    """With a huge time scale the sandbox parcel's whole life has already happened: one poll sees it."""
    from datetime import UTC, datetime, timedelta

    ready = await api.ready((await api.create(certificate_body()))["id"])
    number = ready["shipment"]["tracking_number"]
    shipments = api.services.shipments
    await Shipment.filter(id=ready["shipment"]["id"]).update(
        next_poll_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    # the sandbox clock: its events are in the past at a time scale of 100000
    await _wait_for_sandbox_life(api, number)
    from scheduler import PollJob

    job = PollJob(shipments, api.services.couriers, api.services.intervals, lease=timedelta(minutes=2))
    assert await job.run() == 1
    body = await (await api.client.get(f"/api/track/{number}", params={"phone_tail": "1234"})).json()
    assert body["status"] == "delivered"
    statuses = [e["status"] for e in body["events"]]
    assert statuses[0] == "info_received"
    assert "picked_up" in statuses
    assert "in_transit" in statuses
    times = [e["time"] for e in body["events"]]
    assert times == sorted(times)
    shipment = await Shipment.get(id=ready["shipment"]["id"])
    assert shipment.next_poll_at is None
    assert shipment.lease_owner is None
    assert await job.run() == 0


async def _wait_for_sandbox_life(api: Api, number: str) -> None:
    import asyncio

    courier = api.services.couriers["sandbox"]
    for _ in range(100):
        (result,) = await courier.track([TrackQuery(number, "1234")])
        if result.events and result.events[-1].status.terminal:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the sandbox parcel never finished")


BAD_REQUESTS: list[tuple[Any, int, str]] = [
    (b"{not json", 400, "invalid_json"),
    (b"", 400, "invalid_json"),
    ([1, 2], 400, "invalid_body"),
    ({"type": "nope", "holder": {"name": "x", "id_number": "330102199003070019"}}, 422, "unknown_type"),
    (certificate_body(holder={"name": "张三"}), 422, "missing_field"),
    (certificate_body(delivery={"method": "courier", "carrier": "pigeon_post"}), 422, "unknown_carrier"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_REQUESTS)
async def test_bad_requests_store_nothing(api: Api, body: Any, status: int, code: str) -> None:
    kwargs = {"data": body} if isinstance(body, bytes) else {"json": body}
    response = await api.client.post("/api/certificates", headers=api.clerk, **kwargs)
    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code
    assert error["message"]
    assert await count_rows() == (0, 0)


async def test_tokens_and_roles(api: Api) -> None:
    body = certificate_body()
    no_token = await api.client.post("/api/certificates", json=body)
    bad_token = await api.client.post(
        "/api/certificates", json=body, headers={"Authorization": "Bearer cpt_nope"}
    )
    assert (no_token.status, bad_token.status) == (401, 401)
    assert (await no_token.json())["error"]["code"] == "unauthorized"
    integrator = {"Authorization": f"Bearer {await create_token(Role.INTEGRATOR)}"}
    created = await api.client.post("/api/certificates", json=body, headers=integrator)
    assert created.status == 201
    cert_id = (await created.json())["id"]
    forbidden = await api.client.post(f"/api/certificates/{cert_id}/ready", headers=integrator)
    assert forbidden.status == 403
    assert (await forbidden.json())["error"]["code"] == "forbidden"
    assert await Shipment.all().count() == 0


async def test_unknown_certificate_and_route_give_json_errors(api: Api) -> None:
    missing = await api.client.get("/api/certificates/999999", headers=api.clerk)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    nowhere = await api.client.get("/api/nothing-here")
    assert nowhere.status == 404
    assert "error" in await nowhere.json()


async def test_oversized_body_is_413(api: Api) -> None:
    response = await api.client.post(
        "/api/certificates", data=b"{" + b" " * 2_000_000 + b"}", headers=api.clerk
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
