"""The contract every adapter passes against its simulator.

Use it from a test module::

    from couriers.testing import ContractHarness, CourierContract

    class TestMyCarrier(CourierContract):
        @pytest.fixture
        async def harness(self, webhook_receiver):
            ...  # start the simulator, build the adapter, return a ContractHarness

`webhook_receiver` comes from `couriers.testing.fixtures`: import it into your test module or conftest, or
list that module in the root conftest's `pytest_plugins`. Each test states one promise of
`couriers.contract.Courier` in the carrier-neutral terms of design.md; a failure names the promise broken.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from couriers.contract import Address, TrackQuery
from couriers.errors import ConfigurationError, RejectedError, RetryableError
from couriers.status import Status
from couriers.testing.harness import RECIPIENT, ContractHarness, sample_request
from couriers.testing.receiver import WebhookReceiver
from couriers.transport import CarrierUnavailable

__all__ = ["CourierContract"]

#: Long enough for every default simulator script to reach its final event.
A_WEEK = timedelta(days=7)


def _order_id() -> str:
    return f"CT{uuid.uuid4().hex[:16].upper()}"


class CourierContract:
    """Subclass and provide a `harness` fixture (see the module docstring)."""

    async def test_capabilities_are_declared(self, harness: ContractHarness) -> None:
        caps = harness.courier.capabilities
        assert caps.track_batch_size >= 1
        assert caps.rate_limit_per_second > 0
        assert harness.courier.code == harness.simulator.code

    async def test_booking_returns_a_tracking_number(self, harness: ContractHarness) -> None:
        booking = await harness.courier.book(sample_request(_order_id()))
        assert booking.tracking_number
        assert booking.carrier == harness.courier.code
        assert booking.tracking_number in harness.simulator.parcels

    async def test_booking_the_same_order_twice_books_one_courier(self, harness: ContractHarness) -> None:
        request = sample_request(_order_id())
        first = await harness.courier.book(request)
        again = await harness.courier.book(request)
        # A replica that never saw the first answer (lost response, restart) must find the order, not rebook.
        fresh = await harness.another().book(request)
        assert first.tracking_number == again.tracking_number == fresh.tracking_number
        assert sum(1 for p in harness.simulator.orders.values() if p.order_id == request.order_id) == 1
        assert len(harness.simulator.parcels) == 1

    async def test_tracking_follows_the_parcel_to_delivery(self, harness: ContractHarness) -> None:
        booking = await harness.courier.book(sample_request(_order_id()))
        harness.simulator.clock.advance(A_WEEK)
        [result] = await harness.courier.track([TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:])])
        assert result.tracking_number == booking.tracking_number
        assert result.events, "a delivered parcel has a timeline"
        for event in result.events:
            assert event.tracking_number == booking.tracking_number
            assert event.time.tzinfo is not None, "event times are timezone-aware"
            assert event.raw_code, "the raw carrier code is kept"
            assert isinstance(event.status, Status)
        assert Status.DELIVERED in {e.status for e in result.events}
        assert [e.time for e in result.events] == sorted(e.time for e in result.events)

    async def test_tracking_more_numbers_than_one_call_allows(self, harness: ContractHarness) -> None:
        limit = harness.courier.capabilities.track_batch_size
        count = min(limit * 2 + 1, 25) if limit > 1 else 3
        bookings = [await harness.courier.book(sample_request(_order_id())) for _ in range(count)]
        harness.simulator.clock.advance(timedelta(days=1))
        queries = [TrackQuery(b.tracking_number, RECIPIENT.phone[-4:]) for b in bookings]
        results = await harness.courier.track(queries)
        assert [r.tracking_number for r in results] == [b.tracking_number for b in bookings]
        assert all(r.events for r in results)

    async def test_cancel_before_pickup(self, harness: ContractHarness) -> None:
        if not harness.courier.capabilities.cancel:
            pytest.skip("the carrier declares no cancel")
        booking = await harness.courier.book(sample_request(_order_id()))
        await harness.courier.cancel(booking)
        await harness.courier.cancel(booking)  # cancelling twice is not an error
        assert harness.simulator.parcels[booking.tracking_number].cancelled_at is not None

    async def test_pushes_arrive_in_the_carrier_format_and_are_acknowledged(
        self, harness: ContractHarness, webhook_receiver: WebhookReceiver
    ) -> None:
        if not harness.courier.capabilities.push:
            pytest.skip("the carrier declares no push")
        webhook_receiver.courier = harness.courier
        booking = await harness.courier.book(sample_request(_order_id()))
        await harness.courier.subscribe(
            TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:]), harness.callback_url
        )
        harness.simulator.clock.advance(A_WEEK)
        delivered = await harness.simulator.deliver_pushes()
        assert delivered, "the simulator had events to push"
        assert all(d.acknowledged for d in delivered), [(d.status, d.body) for d in delivered]
        events = [e for outcome in webhook_receiver.outcomes for e in outcome.events]
        assert {e.tracking_number for e in events} == {booking.tracking_number}
        assert Status.DELIVERED in {e.status for e in events}
        assert not await harness.simulator.deliver_pushes(), "acknowledged events are not pushed again"

    async def test_unauthenticated_pushes_are_refused(
        self, harness: ContractHarness, webhook_receiver: WebhookReceiver
    ) -> None:
        if not harness.courier.capabilities.push:
            pytest.skip("the carrier declares no push")
        webhook_receiver.courier = harness.courier
        booking = await harness.courier.book(sample_request(_order_id()))
        await harness.courier.subscribe(
            TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:]), harness.callback_url
        )
        harness.simulator.clock.advance(A_WEEK)
        # A carrier may push more than one stream per parcel (e.g. order-status callbacks besides tracking).
        pending = harness.simulator.pending_pushes()
        assert pending, "the simulator had a push to forge"
        genuine = pending[0][1]
        forged = harness.tamper(genuine)
        async with harness.simulator.client().post(
            forged.url, data=forged.body, headers={"Content-Type": forged.content_type, **forged.headers}
        ) as resp:
            assert resp.status in (401, 403)
        assert not webhook_receiver.outcomes
        assert webhook_receiver.refusals

    async def test_bad_credentials_are_a_configuration_error(self, harness: ContractHarness) -> None:
        courier = harness.another(**harness.bad_credentials)
        with pytest.raises(ConfigurationError):
            await courier.book(sample_request(_order_id()))
        assert not harness.simulator.parcels

    async def test_rejected_input_is_a_rejected_error(self, harness: ContractHarness) -> None:
        nowhere = Address(name="张三", phone="13812341234", province="", city="", county="", address="")
        with pytest.raises(RejectedError):
            await harness.courier.book(sample_request(_order_id(), recipient=nowhere))
        assert not harness.simulator.parcels

    async def test_a_carrier_that_is_down_is_retryable(self, harness: ContractHarness) -> None:
        harness.simulator.faults.down_status = 503
        courier = harness.another(attempts=1, breaker_failures=100)
        with pytest.raises(RetryableError):
            await courier.book(sample_request(_order_id()))
        harness.simulator.faults.down_status = None
        booking = await courier.book(sample_request(_order_id()))
        assert booking.tracking_number

    async def test_transient_failures_are_retried(self, harness: ContractHarness) -> None:
        harness.simulator.faults.fail_next = 1
        courier = harness.another(attempts=3, breaker_failures=100)
        booking = await courier.book(sample_request(_order_id()))
        assert booking.tracking_number in harness.simulator.parcels

    async def test_an_unreachable_carrier_opens_the_circuit(self, harness: ContractHarness) -> None:
        courier = harness.another(**harness.unreachable, attempts=1, breaker_failures=2, timeout_seconds=2)
        for _ in range(2):
            with pytest.raises(RetryableError):
                await courier.book(sample_request(_order_id()))
        with pytest.raises(CarrierUnavailable):
            await asyncio.wait_for(courier.book(sample_request(_order_id())), timeout=0.5)
