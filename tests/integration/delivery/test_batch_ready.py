"""Marking many certificates ready in one request: bounded, per-id results, one bad id fails alone."""

from __future__ import annotations

from delivery.services.certificates import MAX_READY_BATCH
from delivery.storage.models import Certificate, Shipment

from .conftest import Api, certificate_body


async def test_batch_ready_reports_each_id(api: Api) -> None:
    a = await api.create(certificate_body())
    b = await api.create(certificate_body(delivery={"method": "hall_pickup"}))
    revoked = await api.create(certificate_body())
    await api.client.post(
        f"/api/certificates/{revoked['id']}/revoke", json={"reason": "错误录入"}, headers=api.clerk
    )
    response = await api.client.post(
        "/api/certificates/ready", json={"ids": [a["id"], 999999, b["id"], revoked["id"]]}, headers=api.clerk
    )
    assert response.status == 200
    body = await response.json()
    assert (body["ready"], body["failed"]) == (2, 2)
    results = body["results"]
    assert [r["id"] for r in results] == [a["id"], 999999, b["id"], revoked["id"]]
    assert [r["ok"] for r in results] == [True, False, True, False]
    assert results[0]["certificate"]["status"] == "ready"
    assert results[0]["certificate"]["shipment"]["tracking_number"]
    assert results[1]["error"]["code"] == "not_found"
    assert results[3]["error"]["code"] == "conflict"
    assert await Shipment.all().count() == 1
    assert (await Certificate.get(id=b["id"])).identifier


async def test_batch_ready_is_bounded_and_validated(api: Api) -> None:
    created = await api.create(certificate_body())
    url = "/api/certificates/ready"
    too_many = await api.client.post(
        url, json={"ids": list(range(1, MAX_READY_BATCH + 2))}, headers=api.clerk
    )
    assert too_many.status == 422
    assert (await too_many.json())["error"]["code"] == "too_many"
    for body in ({}, {"ids": []}, {"ids": ["1"]}, {"ids": [True]}, {"ids": [0]}):
        response = await api.client.post(url, json=body, headers=api.clerk)
        assert response.status == 422, body
    assert (await api.client.post(url, json={"ids": [created["id"]]})).status == 401
    assert (await Certificate.get(id=created["id"])).status == "draft"


async def test_batch_ready_twice_books_once(api: Api) -> None:
    created = await api.create(certificate_body())
    ids = {"ids": [created["id"], created["id"]]}
    first = await (await api.client.post("/api/certificates/ready", json=ids, headers=api.clerk)).json()
    second = await (await api.client.post("/api/certificates/ready", json=ids, headers=api.clerk)).json()
    assert len(first["results"]) == 1
    assert (
        first["results"][0]["certificate"]["identifier"] == second["results"][0]["certificate"]["identifier"]
    )
    assert await Shipment.all().count() == 1
