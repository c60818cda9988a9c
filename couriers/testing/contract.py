"""The contract every adapter passes against its simulator.

Use it from a test module::

    from couriers.testing import ContractHarness, CourierContract, serve_simulator

    class TestMyCarrier(CourierContract):
        @pytest.fixture
        async def harness(self, webhook_receiver):
            async with serve_simulator(MySimulator()) as base_url, ContractHarness(...) as harness:
                yield harness  # the simulator stops and every adapter is closed afterwards

`webhook_receiver` comes from `couriers.testing.fixtures`: import it into your test module or conftest, or
list that module in the root conftest's `pytest_plugins`. Each test states one promise of
`couriers.contract.Courier` in the carrier-neutral terms of design.md; a failure names the promise broken.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, time, timedelta

import pytest

from couriers.contract import Address, Booking, PickupRequest, TrackQuery
from couriers.errors import ConfigurationError, PushRejected, RejectedError, RetryableError
from couriers.simulators.common import OutboundPush
from couriers.status import Status
from couriers.testing import hostile
from couriers.testing.harness import RECIPIENT, ContractHarness, sample_request
from couriers.testing.receiver import WebhookReceiver, inbound
from couriers.transport import CarrierUnavailable
from couriers.wire_common import BEIJING

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
        booking = await _followed_for_a_week(harness)
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
        await _followed_for_a_week(harness)
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

    async def test_a_lost_booking_answer_never_books_twice(self, harness: ContractHarness) -> None:
        """The carrier booked, the answer was lost: the transport's retry must find that order."""
        request = _office_hours_request()
        harness.simulator.faults.lose_answers = 1
        booking = await harness.another(attempts=3, breaker_failures=100).book(request)
        [parcel] = [p for p in harness.simulator.orders.values() if p.order_id == request.order_id]
        assert booking.tracking_number == parcel.tracking_number
        assert len(harness.simulator.parcels) == 1

    async def test_a_lost_answer_then_the_callers_retry_never_books_twice(
        self, harness: ContractHarness
    ) -> None:
        """The adapter gave up (one attempt); the booking job retries later, maybe from another replica."""
        request = _office_hours_request()
        harness.simulator.faults.lose_answers = 1
        with pytest.raises(RetryableError):
            await harness.another(attempts=1, breaker_failures=100).book(request)
        assert len(harness.simulator.parcels) == 1, "the carrier did book"
        booking = await harness.another().book(request)
        assert list(harness.simulator.parcels) == [booking.tracking_number]

    async def test_hostile_pushes_are_refused_never_crash(self, harness: ContractHarness) -> None:
        """Garbage, non-UTF-8, wrong shapes, deep nesting, huge numbers, non-ASCII signatures: `PushRejected`
        (or, when authentic but empty, an outcome without events) — never another exception, which the
        service would answer with a 500 and lose the push."""
        if not harness.courier.capabilities.push:
            pytest.skip("the carrier declares no push")
        if harness.open_push is None or harness.seal_push is None:
            pytest.skip("the harness gives no open_push / seal_push")
        open_push, seal_push = harness.open_push, harness.seal_push
        code = harness.courier.code
        for genuine in await _genuine_pushes(harness):
            payload = open_push(genuine)
            resealed = harness.courier.parse_push(inbound(seal_push(genuine, payload, None), code))
            assert resealed.events, "sealing a genuine payload again keeps it authentic"
            for body in hostile.RAW_BODIES:
                push = inbound(dataclasses.replace(genuine, body=body), code)
                hostile.parse_or_refuse(
                    harness.courier, push, f"raw body {body[:30]!r}", events_allowed=False
                )
            for text in hostile.BAD_PAYLOADS:
                push = inbound(seal_push(genuine, text, None), code)
                hostile.parse_or_refuse(harness.courier, push, f"payload {text[:30]!r}", events_allowed=False)
            for credential in hostile.NON_ASCII_CREDENTIALS:
                push = inbound(seal_push(genuine, payload, credential), code)
                with pytest.raises(PushRejected) as refused:
                    harness.courier.parse_push(push)
                assert refused.value.status in (401, 403), credential
            for where, text in hostile.mutations(payload):
                push = inbound(seal_push(genuine, text, None), code)
                hostile.parse_or_refuse(harness.courier, push, f"payload with {where}", events_allowed=True)


def _office_hours_request() -> PickupRequest:
    """A pickup tomorrow 10:00-12:00 Beijing time, which every carrier books on the first try."""
    tomorrow = datetime.now(BEIJING).date() + timedelta(days=1)
    return sample_request(_order_id(), now=datetime.combine(tomorrow, time(9), tzinfo=BEIJING))


async def _followed_for_a_week(harness: ContractHarness) -> Booking:
    """A parcel booked and subscribed to pushes, a week into its (simulated) life."""
    booking = await harness.courier.book(sample_request(_order_id()))
    await harness.courier.subscribe(
        TrackQuery(booking.tracking_number, RECIPIENT.phone[-4:]), harness.callback_url
    )
    harness.simulator.clock.advance(A_WEEK)
    return booking


async def _genuine_pushes(harness: ContractHarness) -> list[OutboundPush]:
    """Every push the simulator has for a parcel booked, subscribed and followed for a week."""
    await _followed_for_a_week(harness)
    pushes = [push for _, push, _ in harness.simulator.pending_pushes()]
    assert pushes, "the simulator had pushes to send"
    return pushes
