"""Booking pickups: one attempt per claimed shipment, retried with backoff until a person is needed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from couriers import (
    ConfigurationError,
    Courier,
    CourierError,
    RejectedError,
    TrackQuery,
)
from scheduler.policy import backoff_delay
from scheduler.ports import BookingStore, BookingTask

__all__ = ["BookingJob", "attempt_booking"]

log = logging.getLogger(__name__)


async def attempt_booking(
    task: BookingTask,
    courier: Courier,
    store: BookingStore,
    *,
    callback_url: Callable[[str], str],
    time_limit: float,
    retry_base: timedelta = timedelta(seconds=30),
    retry_max: timedelta = timedelta(hours=1),
) -> bool:
    """Book once; on success record the waybill and subscribe to pushes. Returns whether it booked.

    The order id is the shipment's own, so a retry after a lost answer finds the existing order
    instead of booking a second courier. Only a rejection of the parcel itself (bad address) waits for a
    clerk; bad credentials are retried too, because an operator fixing the configuration must not also
    have to find and re-book every shipment that failed meanwhile.
    """
    request = task.request
    if not request.callback_url:
        request = replace(request, callback_url=callback_url(task.carrier))
    try:
        booking = await asyncio.wait_for(courier.book(request), time_limit)
    except RejectedError as e:
        log.warning("booking shipment %s with %s was rejected: %s", task.shipment_id, task.carrier, e)
        await store.record_booking_failure(task.shipment_id, f"rejected by the carrier: {e}", retry_at=None)
        return False
    except (CourierError, TimeoutError, OSError) as e:
        delay = backoff_delay(task.attempts + 1, retry_base, retry_max)
        reason = str(e) or type(e).__name__
        if isinstance(e, ConfigurationError):
            reason = f"carrier configuration problem (an operator must fix it): {reason}"
        elif isinstance(e, TimeoutError):
            reason = f"{task.carrier} did not answer within {time_limit:g} s"
        log.log(
            logging.WARNING if isinstance(e, ConfigurationError) else logging.INFO,
            "booking shipment %s with %s failed, retry in %ds: %s",
            task.shipment_id,
            task.carrier,
            delay.total_seconds(),
            reason,
        )
        await store.record_booking_failure(task.shipment_id, reason, retry_at=datetime.now(UTC) + delay)
        return False
    await store.record_booking(task.shipment_id, booking, now=datetime.now(UTC))
    if courier.capabilities.push:
        try:
            await courier.subscribe(
                TrackQuery(booking.tracking_number, task.phone_tail), callback_url(task.carrier)
            )
        except CourierError as e:
            # Polling covers a shipment whose subscription failed; the booking itself stands.
            log.warning("subscribing %s with %s failed: %s", booking.tracking_number, task.carrier, e)
    return True


class BookingJob:
    """Retries bookings that could not be made when the clerk marked the certificate ready."""

    def __init__(
        self,
        store: BookingStore,
        couriers: Mapping[str, Courier],
        *,
        callback_url: Callable[[str], str],
        timeout: float,
        lease: timedelta,
        batch: int = 50,
        retry_base: timedelta = timedelta(seconds=30),
        retry_max: timedelta = timedelta(hours=1),
    ) -> None:
        self._store = store
        self._couriers = couriers
        self._callback_url = callback_url
        self._timeout = timeout
        self._lease = lease
        self._batch = batch
        self._retry = (retry_base, retry_max)

    async def run(self) -> int:
        tasks = await self._store.claim_due_bookings(datetime.now(UTC), self._batch, self._lease)
        booked = 0
        for task in tasks:
            courier = self._couriers.get(task.carrier)
            if courier is None:
                await self._store.record_booking_failure(
                    task.shipment_id, f"carrier {task.carrier!r} is no longer configured", retry_at=None
                )
                continue
            booked += await attempt_booking(
                task,
                courier,
                self._store,
                callback_url=self._callback_url,
                time_limit=self._timeout,
                retry_base=self._retry[0],
                retry_max=self._retry[1],
            )
        return booked
