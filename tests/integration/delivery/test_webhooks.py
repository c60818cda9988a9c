"""Carrier pushes: authenticated, stored before acknowledged, applied once, replayed when applying failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from couriers import Status, TrackingEvent
from couriers.sandbox import SIGNATURE_HEADER, encode_push, sign
from delivery.storage.models import ShipmentEvent, WebhookInbox

from .conftest import Api, certificate_body

SECRET = "sandbox-dev-secret"


async def booked(api: Api) -> str:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    return str(ready["shipment"]["tracking_number"])


def events(number: str) -> list[TrackingEvent]:
    t0 = datetime.now(UTC) - timedelta(hours=3)
    return [
        TrackingEvent(number, t0, Status.PICKED_UP, "PICKED_UP", "快递员已揽收", "杭州市"),
        TrackingEvent(
            number,
            t0 + timedelta(hours=1),
            Status.IN_TRANSIT,
            "DEPARTED",
            "快件已离开【杭州转运中心】",
            "杭州市",
        ),
    ]


async def push(api: Api, body: bytes, signature: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    response = await api.client.post("/webhooks/sandbox", data=body, headers=headers)
    return response.status, await response.read()


async def test_signed_push_is_acknowledged_and_applied_once(api: Api) -> None:
    number = await booked(api)
    body = encode_push(number, events(number))
    assert await push(api, body, sign(SECRET, body)) == (200, b'{"ok":true}')
    assert await push(api, body, sign(SECRET, body)) == (200, b'{"ok":true}')
    track = await (await api.client.get(f"/api/track/{number}", params={"phone_tail": "1234"})).json()
    assert track["status"] == "in_transit"
    assert [e["status"] for e in track["events"]] == ["picked_up", "in_transit"]
    assert await ShipmentEvent.all().count() == 2
    assert await WebhookInbox.filter(processed_at__isnull=True).count() == 0


async def test_out_of_order_pushes_end_in_the_same_state(api: Api) -> None:
    number = await booked(api)
    first, second = events(number)
    for event in (second, first):
        body = encode_push(number, [event])
        assert (await push(api, body, sign(SECRET, body)))[0] == 200
    track = await (await api.client.get(f"/api/track/{number}", params={"phone_tail": "1234"})).json()
    assert track["status"] == "in_transit"
    assert [e["status"] for e in track["events"]] == ["picked_up", "in_transit"]


@pytest.mark.parametrize(("signature", "status"), [(None, 401), ("sha256=00", 401)])
async def test_unauthenticated_push_is_refused_and_not_stored(
    api: Api, signature: str | None, status: int
) -> None:
    number = await booked(api)
    body = encode_push(number, events(number))
    code, reply = await push(api, body, signature)
    assert code == status
    assert b'"error"' in reply
    assert await WebhookInbox.all().count() == 0
    assert await ShipmentEvent.all().count() == 0


async def test_malformed_push_is_400(api: Api) -> None:
    body = b'{"tracking_number": 5}'
    assert (await push(api, body, sign(SECRET, body)))[0] == 400
    assert await WebhookInbox.all().count() == 0


async def test_unknown_carrier_is_404(api: Api) -> None:
    response = await api.client.post("/webhooks/pigeon_post", data=b"{}")
    assert response.status == 404


async def test_push_that_fails_to_apply_is_acknowledged_kept_and_replayed_after_a_backoff(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = await booked(api)
    shipments = api.services.shipments
    original = shipments.apply_pushes

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(shipments, "apply_pushes", broken)
    body = encode_push(number, events(number))
    assert await push(api, body, sign(SECRET, body)) == (200, b'{"ok":true}')
    row = await WebhookInbox.get()
    assert row.processed_at is None
    assert row.failed_at is None
    assert row.attempts == 1
    assert "database hiccup" in (row.last_error or "")
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > row.received_at
    assert await ShipmentEvent.all().count() == 0

    monkeypatch.setattr(shipments, "apply_pushes", original)
    pushes = api.services.pushes
    assert await pushes.process_pending_pushes(10) == 0  # not due before its backoff
    later = row.next_attempt_at + timedelta(seconds=1)
    assert await pushes.process_pending_pushes(10, now=later) == 1
    row = await WebhookInbox.get()
    assert row.processed_at is not None
    assert row.attempts == 2
    assert row.lease_owner is None
    assert await ShipmentEvent.all().count() == 2
    assert await pushes.process_pending_pushes(10, now=later) == 0


async def test_a_push_that_cannot_be_stored_is_not_acknowledged_and_not_applied(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = await booked(api)

    def disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(WebhookInbox, "bulk_create", disk_full)
    body = encode_push(number, events(number))
    code, reply = await push(api, body, sign(SECRET, body))
    assert code == 500
    assert b'"error"' in reply
    monkeypatch.undo()
    # The carrier retries an unacknowledged push; nothing of the first attempt was kept.
    assert await ShipmentEvent.all().count() == 0
    assert await WebhookInbox.all().count() == 0
    assert await push(api, body, sign(SECRET, body)) == (200, b'{"ok":true}')
    assert await ShipmentEvent.all().count() == 2
