"""SF Express against its simulator over loopback: the shared contract kit, plus SF's own promises."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from couriers.contract import Courier, TrackQuery
from couriers.errors import RejectedError
from couriers.sf_express import SFExpressCourier
from couriers.sf_express.wire import BEIJING
from couriers.simulators.common import OutboundPush
from couriers.simulators.sf_express import (
    DEFAULT_CHECK_WORD,
    DEFAULT_MONTHLY_CARD,
    DEFAULT_PARTNER_ID,
    SERVICE_PATH,
    SFExpressSimulator,
)
from couriers.testing import (
    RECIPIENT,
    ContractHarness,
    CourierContract,
    WebhookReceiver,
    dead_url,
    sample_request,
    serve_simulator,
)
from couriers.testing.fixtures import webhook_receiver

__all__ = ["webhook_receiver"]  # the kit's fixture, visible to the tests of this module

SECRET = "sf-push-secret-0123456789"


class TestSFExpressContract(CourierContract):
    @pytest.fixture
    async def harness(self, webhook_receiver: WebhookReceiver) -> AsyncIterator[ContractHarness]:
        push_url = webhook_receiver.url_for("sf_express", "/" + SECRET)
        simulator = SFExpressSimulator(push_url=push_url)
        async with serve_simulator(simulator) as base_url:
            config: dict[str, Any] = {
                "base_url": f"{base_url}{SERVICE_PATH}",
                "partner_id": DEFAULT_PARTNER_ID,
                "check_word": DEFAULT_CHECK_WORD,
                "monthly_card": DEFAULT_MONTHLY_CARD,
                "webhook_secret": SECRET,
            }

            def build(overrides: Mapping[str, Any]) -> Courier:
                return SFExpressCourier.from_config({**config, **overrides})

            def tamper(push: OutboundPush) -> OutboundPush:
                return dataclasses.replace(
                    push, url=webhook_receiver.url_for("sf_express", "/not-the-secret")
                )

            def seal(push: OutboundPush, payload: str, credential: str | None) -> OutboundPush:
                """SF signs nothing: a push is authentic when it reaches the secret path."""
                url = webhook_receiver.url_for("sf_express", "/" + (credential or SECRET))
                return dataclasses.replace(push, url=url, body=payload.encode())

            async with ContractHarness(
                courier=build({}),
                simulator=simulator,
                build=build,
                bad_credentials={"check_word": "not-the-check-word"},
                unreachable={"base_url": f"{dead_url()}{SERVICE_PATH}"},
                callback_url=push_url,
                tamper=tamper,
                open_push=lambda push: push.body.decode(),
                seal_push=seal,
            ) as harness:
                yield harness

    async def test_cancel_after_pickup_is_rejected(self, harness: ContractHarness) -> None:
        booking = await harness.courier.book(sample_request("SF-CANCEL-LATE"))
        harness.simulator.clock.advance(timedelta(days=1))
        with pytest.raises(RejectedError) as info:
            await harness.courier.cancel(booking)
        assert info.value.raw_code == "8252"

    async def test_a_wrong_phone_tail_sees_no_routes(self, harness: ContractHarness) -> None:
        booking = await harness.courier.book(sample_request("SF-PHONE"))
        harness.simulator.clock.advance(timedelta(days=2))
        right, wrong = await harness.courier.track(
            [
                TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:]),
                TrackQuery(booking.tracking_number, "0000"),
            ]
        )
        assert right.events
        assert not wrong.events

    async def test_route_queries_respect_the_batch_limit(self, harness: ContractHarness) -> None:
        bookings = [await harness.courier.book(sample_request(f"SF-BATCH-{i}")) for i in range(12)]
        harness.simulator.clock.advance(timedelta(days=1))
        results = await harness.courier.track([TrackQuery(b.tracking_number) for b in bookings])
        assert all(r.events for r in results)
        assert harness.simulator.calls["EXP_RECE_SEARCH_ROUTES"] == 2

    async def test_a_pickup_at_night_moves_to_the_next_business_window(
        self, harness: ContractHarness
    ) -> None:
        tomorrow = (datetime.now(BEIJING) + timedelta(days=1)).date()
        night = datetime.combine(tomorrow, time(21), tzinfo=BEIJING)  # the window starts at 22:00
        booking = await harness.courier.book(sample_request("SF-NIGHT", now=night))
        assert booking.raw["sendStartTm"] == f"{tomorrow + timedelta(days=1)} 09:00:00"
        assert harness.simulator.calls["EXP_RECE_CREATE_ORDER"] == 2

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            (b'{"orderId": 1}', "application/json"),
            (b"%%%\xff=&", "application/x-www-form-urlencoded"),
            (b"", ""),
        ],
    )
    async def test_garbage_gets_an_sf_code_not_a_traceback(
        self, harness: ContractHarness, body: bytes, content_type: str
    ) -> None:
        url = harness.courier.config.base_url  # type: ignore[attr-defined]
        async with harness.simulator.client().post(
            url, data=body, headers={"Content-Type": content_type}
        ) as resp:
            assert resp.status == 200
            answer = await resp.json()
        assert answer["apiResultCode"] == "A1001"
