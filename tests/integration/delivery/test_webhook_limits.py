"""Webhook edge cases: oversized bodies, and the same push arriving many times at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from couriers import Status, TrackingEvent
from couriers.sandbox import SIGNATURE_HEADER, encode_push, sign
from delivery.storage.models import ShipmentEvent, WebhookInbox

from .conftest import Api, certificate_body

SECRET = "sandbox-dev-secret"


async def test_oversized_push_is_413_and_nothing_is_stored(api: Api) -> None:
    body = b'{"x":"' + b"a" * 1_100_000 + b'"}'
    response = await api.client.post(
        "/webhooks/sandbox", data=body, headers={SIGNATURE_HEADER: sign(SECRET, body)}
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    assert await WebhookInbox.all().count() == 0


async def test_the_same_push_many_times_at_once_is_stored_once(api: Api) -> None:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    number = ready["shipment"]["tracking_number"]
    t0 = datetime.now(UTC) - timedelta(hours=2)
    events = [
        TrackingEvent(number, t0, Status.PICKED_UP, "PICKED_UP", "已揽收"),
        TrackingEvent(number, t0 + timedelta(minutes=30), Status.IN_TRANSIT, "ARRIVED", "到达杭州转运中心"),
    ]
    body = encode_push(number, events)
    headers = {SIGNATURE_HEADER: sign(SECRET, body)}
    answers = await asyncio.gather(
        *(api.client.post("/webhooks/sandbox", data=body, headers=headers) for _ in range(6))
    )
    assert [r.status for r in answers] == [200] * 6
    assert await WebhookInbox.all().count() == 6  # every push is kept as received …
    assert await ShipmentEvent.all().count() == 2  # … and its events are applied once
    await api.services.pushes.process_pending_pushes(10)
    assert await ShipmentEvent.all().count() == 2
