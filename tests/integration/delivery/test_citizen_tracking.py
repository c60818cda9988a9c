"""The citizen's answer: live when stale, one carrier call for many requests, never an error for a slow
carrier, masked, rate limited — and streamed as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from couriers import RetryableError, Status, TrackingEvent, TrackQuery, TrackResult
from couriers.sandbox import SIGNATURE_HEADER, encode_push, sign
from delivery.app import create_app
from delivery.domain.roles import Role
from delivery.services.tokens import create_token
from delivery.storage.models import Shipment
from delivery.web.keys import CITIZEN, OPEN_STREAMS
from delivery.web.stream_api import close_streams

from .conftest import Api, ClientFactory, certificate_body, make_settings

TRACKING = {"fresh_seconds": 60, "live_timeout_seconds": 0.3, "wrong_tail_limit": 3, "numbers_per_client": 5}


async def start(aiohttp_client: ClientFactory, tmp_path: Path, url: str, **tracking: Any) -> Api:
    settings = make_settings(tmp_path, url, tracking=TRACKING | tracking)
    client = await aiohttp_client(create_app(settings, run_jobs=False))
    return Api(client, await create_token(Role.CLERK, "clerk"))


@pytest.fixture
async def api(aiohttp_client: ClientFactory, tmp_path: Path, database_url: str) -> Api:
    return await start(aiohttp_client, tmp_path, database_url)


class FakeCarrier:
    """Replaces the sandbox's `track`: counts calls, can be slow or down, answers one scan."""

    def __init__(self, delay: float = 0.0, *, fail: bool = False) -> None:
        self.calls = 0
        self.delay = delay
        self.fail = fail
        self.time = datetime.now(UTC) - timedelta(hours=1)

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RetryableError("carrier is down", carrier="sandbox")
        return [
            TrackResult(
                q.tracking_number,
                [
                    TrackingEvent(
                        q.tracking_number, self.time, Status.PICKED_UP, "PICKED_UP", "已揽收", "杭州市"
                    )
                ],
            )
            for q in queries
        ]


async def booked(api: Api, monkeypatch: pytest.MonkeyPatch, carrier: FakeCarrier) -> str:
    ready = await api.ready((await api.create(certificate_body()))["id"])
    monkeypatch.setattr(api.services.couriers["sandbox"], "track", carrier.track)
    return str(ready["shipment"]["tracking_number"])


async def track(client: TestClient, number: str, tail: str = "1234", **headers: str) -> tuple[int, Any]:
    response = await client.get(f"/api/track/{number}", params={"phone_tail": tail}, headers=headers)
    return response.status, await response.json()


async def test_stale_answer_is_refreshed_live_once_for_concurrent_requests(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    carrier = FakeCarrier(delay=0.1)
    number = await booked(api, monkeypatch, carrier)
    answers = await asyncio.gather(*(track(api.client, number) for _ in range(8)))
    assert carrier.calls == 1
    assert {status for status, _ in answers} == {200}
    assert {body["status"] for _, body in answers} == {"picked_up"}
    # now fresh: served from the read model without asking the carrier again
    assert (await track(api.client, number))[1]["status"] == "picked_up"
    assert carrier.calls == 1
    shipment = await Shipment.get(tracking_number=number)
    assert shipment.last_checked_at is not None
    assert shipment.next_poll_at is not None


@pytest.mark.parametrize("behaviour", [{"delay": 5}, {"fail": True}], ids=["slow", "down"])
async def test_slow_or_failing_carrier_falls_back_to_the_stored_answer(
    api: Api, monkeypatch: pytest.MonkeyPatch, behaviour: dict[str, Any]
) -> None:
    carrier = FakeCarrier(**behaviour)
    number = await booked(api, monkeypatch, carrier)
    status, body = await asyncio.wait_for(track(api.client, number), 3)
    assert status == 200
    assert body["status"] == "info_received"
    assert carrier.calls == 1


async def test_the_carriers_minimum_query_interval_is_respected(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    carrier = FakeCarrier()
    number = await booked(api, monkeypatch, carrier)
    intervals = api.services.intervals["sandbox"]
    monkeypatch.setitem(
        api.services.intervals, "sandbox", type(intervals)(carrier_minimum=timedelta(minutes=30))
    )
    await Shipment.filter(tracking_number=number).update(
        last_checked_at=datetime.now(UTC) - timedelta(minutes=10)
    )
    api.app[CITIZEN].service.invalidate(number)
    assert (await track(api.client, number))[0] == 200
    assert carrier.calls == 0  # checked 10 minutes ago, the carrier allows one query per 30


async def test_answer_is_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    number = await booked(api, monkeypatch, FakeCarrier())
    _, body = await track(api.client, number)
    assert body["recipient"] == {"name": "张*", "phone": "138****1234", "address": "浙江省宁波市鄞州区"}
    assert "天童南路" not in json.dumps(body, ensure_ascii=False)
    assert "13812341234" not in json.dumps(body)


async def test_wrong_tails_are_rate_limited_for_the_number(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    number = await booked(api, monkeypatch, FakeCarrier())
    misses = [await track(api.client, number, tail) for tail in ("0000", "1111", "2222")]
    assert {status for status, _ in misses} == {404}
    response = await api.client.get(f"/api/track/{number}", params={"phone_tail": "1234"})
    assert response.status == 429
    assert int(response.headers["Retry-After"]) > 0
    error = (await response.json())["error"]
    assert error["code"] == "rate_limited"
    assert "try again in" in error["message"]
    # an unknown number locks the same way, so a 429 does not reveal which numbers exist
    for tail in ("0000", "1111", "2222"):
        assert (await track(api.client, "SB0000000000000", tail))[0] == 404
    assert (await track(api.client, "SB0000000000000", "1234"))[0] == 429


async def test_sweeping_numbers_from_one_address_is_rate_limited(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = await booked(api, monkeypatch, FakeCarrier())
    for i in range(4):
        assert (await track(api.client, f"SB{i:013d}"))[0] == 404
    assert (await track(api.client, number))[0] == 200  # the fifth distinct number
    status, body = await track(api.client, "SB9999999999999")
    assert status == 429
    assert body["error"]["code"] == "rate_limited"
    assert (await track(api.client, number))[0] == 200  # asking again about a known one is free
    assert (await track(api.client, "SB9999999999999", **{"X-Forwarded-For": "10.0.0.9"}))[0] == 429


async def test_a_push_reaches_the_answer_and_an_open_stream(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = await booked(api, monkeypatch, FakeCarrier())
    async with api.client.get(f"/api/track/{number}/stream", params={"phone_tail": "1234"}) as stream:
        assert stream.status == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = await read_event(stream)
        assert first["status"] == "picked_up"
        when = datetime.now(UTC) - timedelta(minutes=5)
        event = TrackingEvent(
            number, when, Status.IN_TRANSIT, "ARRIVED", "快件已到达【宁波转运中心】", "宁波市"
        )
        body = encode_push(number, [event])
        pushed = await api.client.post(
            "/webhooks/sandbox", data=body, headers={SIGNATURE_HEADER: sign("sandbox-dev-secret", body)}
        )
        assert pushed.status == 200
        second = await asyncio.wait_for(read_event(stream), 5)
        assert second["status"] == "in_transit"
        assert [e["status"] for e in second["events"]] == ["picked_up", "in_transit"]
        assert second["recipient"]["phone"] == "138****1234"
    assert (await track(api.client, number))[1]["status"] == "in_transit"


async def test_stream_checks_the_phone_tail(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    number = await booked(api, monkeypatch, FakeCarrier())
    response = await api.client.get(f"/api/track/{number}/stream", params={"phone_tail": "9999"})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_shutdown_ends_open_streams_at_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phone left on the tracking page must not hold a replica's restart up for the re-check period."""
    number = await booked(api, monkeypatch, FakeCarrier())
    app = api.client.server.app
    assert app is not None
    async with api.client.get(f"/api/track/{number}/stream", params={"phone_tail": "1234"}) as stream:
        await read_event(stream)
        assert len(app[OPEN_STREAMS]) == 1
        await close_streams(app)
        assert await asyncio.wait_for(stream.content.read(), 5) == b""  # the server ended the stream
    assert not app[OPEN_STREAMS]


async def read_event(stream: Any) -> dict[str, Any]:
    """Next `status` event's data, skipping keep-alive comments."""
    event, data = "", []
    while True:
        line = (await stream.content.readline()).decode().rstrip("\r\n")
        if line.startswith(":"):
            continue
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())
        elif not line and data:
            assert event == "status"
            return json.loads("\n".join(data))  # type: ignore[no-any-return]
