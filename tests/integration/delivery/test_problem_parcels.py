"""`GET /api/shipments`: a clerk's filtered, paginated list, and the problem parcels of the day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.storage.models import Shipment

from .conftest import Api, certificate_body


async def shipment(api: Api, **fields: object) -> int:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    shipment_id = int(ready["shipment"]["id"])
    if fields:
        await Shipment.filter(id=shipment_id).update(**fields)
    return shipment_id


async def listing(api: Api, **params: str) -> dict:  # type: ignore[type-arg]
    response = await api.client.get("/api/shipments", params=params, headers=api.clerk)
    assert response.status == 200, await response.text()
    return await response.json()  # type: ignore[no-any-return]


async def test_problem_parcels_and_filters(api: Api) -> None:
    now = datetime.now(UTC)
    fine = await shipment(api, status="in_transit", last_event_at=now - timedelta(hours=2))
    trouble = await shipment(api, status="exception", last_event_at=now - timedelta(hours=1))
    failed = await shipment(api, status="delivery_failed", last_event_at=now)
    silent = await shipment(api, status="in_transit", last_event_at=now - timedelta(days=5))
    expired = await shipment(api, status="expired")
    done = await shipment(api, status="delivered", last_event_at=now - timedelta(days=9))

    problems = await listing(api, problem="true")
    assert {i["id"] for i in problems["items"]} == {trouble, failed, silent, expired}
    assert {i["id"]: i["problem"] for i in problems["items"]}[silent] == "no_news"
    assert problems["total"] == 4
    calm = await listing(api, problem="false")
    assert {i["id"] for i in calm["items"]} == {fine, done}
    assert all(i["problem"] is None for i in calm["items"])
    # a shorter silence threshold from the query makes the 2-hour-old one a problem too
    assert fine in {i["id"] for i in (await listing(api, problem="true", stale_days="0.05"))["items"]}

    by_status = await listing(api, status="exception,expired")
    assert {i["id"] for i in by_status["items"]} == {trouble, expired}
    assert (await listing(api, carrier="sandbox"))["total"] == 6
    today = now.date().isoformat()
    assert (await listing(api, created_from=today, created_to=today))["total"] == 6
    assert (await listing(api, created_to=(now - timedelta(days=1)).date().isoformat()))["total"] == 0
    assert (await listing(api, updated_from=(now + timedelta(hours=1)).isoformat()))["total"] == 0


async def test_pagination(api: Api) -> None:
    ids = [await shipment(api) for _ in range(5)]
    first = await listing(api, per_page="2")
    second = await listing(api, per_page="2", page="2")
    last = await listing(api, per_page="2", page="3")
    assert [i["id"] for i in first["items"] + second["items"] + last["items"]] == ids
    assert (first["next_page"], last["next_page"], first["total"]) == (2, None, 5)


async def test_bad_filters_are_422_and_the_route_needs_a_clerk(api: Api) -> None:
    for params in ({"status": "lost"}, {"created_from": "28/11/2026"}, {"per_page": "0"}, {"carrier": "x"}):
        response = await api.client.get("/api/shipments", params=params, headers=api.clerk)
        assert response.status == 422
        error = (await response.json())["error"]
        assert error["code"] == "invalid_query"
        assert next(iter(params)) in error["message"]
    assert (await api.client.get("/api/shipments")).status == 401
    integrator = await create_token(Role.INTEGRATOR, "upstream")
    response = await api.client.get("/api/shipments", headers={"Authorization": f"Bearer {integrator}"})
    assert response.status == 403
