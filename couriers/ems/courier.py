"""`EMSCourier`: China Post EMS through the contract-customer API (协议客户, `senderNo`).

Every call is one signed form POST (see `wire` and `payload`) run through `CarrierTransport` (rate limit 20/s,
timeouts, retries of `RetryableError` only, circuit breaker). Answers become typed errors by `codes`.

Decisions worth knowing:
- `book` sends order JSON as an array of one order: `logisticsOrderNo` is our order id (the idempotency
  key), document contents (`contentsAttribute` 1), 特快专递 (`bizProductNo` 1), door pickup (`pickupType` 1,
  assumed) in the requested window (`pickupPreBeginTime`/`pickupPreEndTime`, Beijing time). Numbers that
  look like Chinese mobiles go into `mobile`, others (a hall's landline) into `phone`. Cargo weight is
  sent in grams (assumed unit). A duplicate `logisticsOrderNo` is answered (assumed, see `codes`) with
  the existing waybill, which is returned as the booking — the adapter keeps no memory of its own, so
  replicas and restarts agree. If EMS ever answers a duplicate without a waybill, `DuplicateOrderError`
  is raised: there is no public order-lookup API to resolve it with.
- `track` asks for one waybill per call (public clients send a single `waybillNo` to 040001), several calls
  in parallel under the rate limit; a number EMS does not know (or rejects) gets an empty timeline rather than
  failing the whole batch. Configuration and retryable failures are raised.
- `cancel` of an already cancelled order is a no-op; after pickup it is a `RejectedError`. The order id stays
  taken: booking it again answers the cancelled waybill, so a re-booking needs a new order id.
- `parse_push` decrypts the payload with our sign key: a payload that does not open is 401, a `senderNo` that
  is not ours 403 (an empty one is accepted: a public sample push carries none), a body that is not a push or
  a trace without time / number 400.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar

import aiohttp

from couriers.contract import (
    Address,
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PickupRequest,
    PushOutcome,
    TrackQuery,
    TrackResult,
)
from couriers.ems import codes, payload, wire
from couriers.ems.config import RATE_LIMIT_PER_SECOND, EMSConfig
from couriers.errors import (
    ConfigurationError,
    DuplicateOrderError,
    PushRejected,
    RejectedError,
    RetryableError,
)
from couriers.transport import CarrierTransport
from couriers.wire_common import as_utc, utc_now

__all__ = ["EMSCourier"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
#: Parallel tracking calls per `track`; the transport's limiter still caps the rate.
_TRACK_CONCURRENCY = 5


class EMSCourier(Courier):
    """中国邮政EMS for contract customers; see the module docstring."""

    code: ClassVar[str] = "ems"
    name: ClassVar[str] = "中国邮政EMS"
    capabilities: ClassVar[Capabilities] = Capabilities(
        push=True, cancel=True, track_batch_size=1, rate_limit_per_second=RATE_LIMIT_PER_SECOND
    )

    def __init__(
        self,
        config: EMSConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self._transport = CarrierTransport(self.code, config.transport, session=session)
        self._now = now

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(EMSConfig.from_mapping(config))

    # -- the interface ---------------------------------------------------------------------------------------

    async def book(self, request: PickupRequest) -> Booking:
        """Order a door pickup; the same `order_id` again yields the waybill EMS already issued for it."""
        order = self.order_payload(request)
        envelope = await self._call(
            codes.API_CREATE_ORDER, [order], accept=frozenset({codes.RET_DUPLICATE_ORDER})
        )
        duplicate = envelope.ret_code == codes.RET_DUPLICATE_ORDER
        waybill = _waybill_of(envelope.body)
        if not waybill:
            if duplicate:
                raise DuplicateOrderError(
                    f"EMS already has order {request.order_id} but did not name its waybill",
                    carrier=self.code,
                    raw_code=envelope.ret_code,
                )
            raise RetryableError(
                "EMS accepted the order without a waybill number",
                carrier=self.code,
                raw_code=envelope.ret_code,
            )
        return Booking(
            order_id=request.order_id,
            tracking_number=waybill,
            carrier=self.code,
            raw={
                "waybillNo": waybill,
                "logisticsOrderNo": request.order_id,
                "retCode": envelope.ret_code or codes.RET_OK,
                "duplicate": duplicate,
            },
        )

    async def cancel(self, booking: Booking) -> None:
        """Cancel before pickup; cancelling again is a no-op, after pickup `RejectedError` (B00007)."""
        body = {
            "logisticsOrderNo": booking.order_id,
            "waybillNo": booking.tracking_number,
            "cancelReason": "窗口取消寄递",
        }
        await self._call(codes.API_CANCEL_ORDER, body, accept=frozenset({codes.RET_ALREADY_CANCELLED}))

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        """One 040001 call per number (in parallel, rate limited); results in query order."""
        gate = asyncio.Semaphore(_TRACK_CONCURRENCY)

        async def one(query: TrackQuery) -> TrackResult:
            async with gate:
                return await self._track_one(query.tracking_number)

        return await _all_or_nothing([one(q) for q in queries])

    async def subscribe(self, query: TrackQuery, callback_url: str) -> None:
        """Ask EMS to push this waybill's traces to `callback_url` (API 040003, assumed; see `codes`)."""
        await self._call(
            codes.API_SUBSCRIBE, {"waybillNo": query.tracking_number, "callbackUrl": callback_url}
        )

    def parse_push(self, push: InboundPush) -> PushOutcome:
        """Open the SM4 payload with our key (401), check the sender (403), parse the traces (400)."""
        try:
            envelope = wire.read_push(push.body, push.content_type)
        except ValueError as e:
            raise PushRejected(f"malformed EMS push: {e}", status=400, carrier=self.code) from None
        if envelope.sender_no and envelope.sender_no != self.config.sender_no:
            raise PushRejected("EMS push for another senderNo", status=403, carrier=self.code)
        try:
            decrypted = payload.decode(envelope.token, self.config.sign_key)
        except payload.PayloadError as e:
            raise PushRejected(f"EMS push not authenticated: {e}", status=401, carrier=self.code) from None
        try:
            events = wire.push_traces(decrypted)
        except ValueError as e:
            raise PushRejected(f"malformed EMS push: {e}", status=400, carrier=self.code) from None
        return PushOutcome(
            events=events,
            ack_body=wire.push_ack(envelope.serial_no, self.config.sender_no),
            ack_content_type="application/json",
        )

    async def close(self) -> None:
        await self._transport.close()

    # -- building requests -----------------------------------------------------------------------------------

    def order_payload(self, request: PickupRequest) -> dict[str, Any]:
        """The 020003 order object for `request` (sent as a one-element array)."""
        return {
            "ecommerceUserId": request.order_id,
            "logisticsOrderNo": request.order_id,
            "createdTime": wire.format_beijing(self.now()),
            "contentsAttribute": 1,
            "bizProductNo": "1",
            "sender": _party(request.sender),
            "receiver": _party(request.recipient),
            "cargos": [
                {
                    "cargoName": request.description,
                    "cargoQuantity": 1,
                    "cargoWeight": max(1, round(request.weight_kg * 1000)),
                }
            ],
            "pickupType": "1",
            "pickupPreBeginTime": wire.format_beijing(request.window_start),
            "pickupPreEndTime": wire.format_beijing(request.window_end),
        }

    def now(self) -> datetime:
        return as_utc(self._now(), what="the EMS adapter clock")

    # -- talking to EMS --------------------------------------------------------------------------------------

    async def _track_one(self, number: str) -> TrackResult:
        try:
            envelope = await self._call(
                codes.API_TRACK, {"waybillNo": number}, accept=frozenset({codes.RET_NO_SUCH_WAYBILL})
            )
        except RejectedError as e:
            log.info("EMS refused to track one number (%s); answering an empty timeline", e.raw_code)
            return TrackResult(number, [])
        if envelope.ret_code == codes.RET_NO_SUCH_WAYBILL:
            return TrackResult(number, [])
        events = []
        try:
            items = wire.trace_items(envelope.body)
        except ValueError:
            items = []
        for item in items:
            try:
                event = wire.trace_event(item, number)
            except ValueError as e:
                log.info("EMS trace of a waybill skipped: %s", e)
                continue
            if event.tracking_number == number:
                events.append(event)
        events.sort(key=lambda e: e.time)
        return TrackResult(number, events)

    async def _call(
        self, api_code: str, body: Any, *, accept: Collection[str] = frozenset()
    ) -> wire.Envelope:
        """A call under the transport policy; failures other than `accept`ed codes raise typed errors."""
        operation = codes.API_NAMES.get(api_code, api_code)

        async def attempt() -> wire.Envelope:
            form = wire.request_form(
                api_code,
                body,
                sender_no=self.config.sender_no,
                authorization=self.config.authorization,
                sign_key=self.config.sign_key,
                now=self.now(),
            )
            response = await self._transport.post(self.config.base_url, operation=operation, data=form)
            if response.status in (401, 403, 404):
                raise ConfigurationError(
                    f"EMS answered {operation} with HTTP {response.status}; check base_url and credentials",
                    carrier=self.code,
                    raw_code=str(response.status),
                )
            if response.status != 200:
                raise RejectedError(
                    f"EMS answered {operation} with HTTP {response.status}",
                    carrier=self.code,
                    raw_code=str(response.status),
                )
            try:
                envelope = wire.parse_envelope(response.body)
            except ValueError as e:
                raise RetryableError(
                    f"EMS answered {operation} with something that is not its envelope: {e}",
                    carrier=self.code,
                ) from None
            if envelope.ok or envelope.ret_code in accept:
                return envelope
            raise self._error(operation, envelope)

        return await self._transport.call(operation, attempt)

    def _error(self, operation: str, envelope: wire.Envelope) -> Exception:
        code = envelope.ret_code or "?"
        message = envelope.ret_msg or codes.RET_MESSAGES.get(code, "no message")
        cls = codes.error_class_for(envelope.ret_code)
        return cls(
            f"EMS refused {operation}: {code} {message}", carrier=self.code, raw_code=envelope.ret_code
        )


def _party(address: Address) -> dict[str, str]:
    phone = re.sub(r"[\s-]", "", address.phone)
    party = {
        "name": address.name,
        "prov": address.province,
        "city": address.city,
        "county": address.county,
        "address": address.address,
    }
    party["mobile" if _MOBILE.match(phone) else "phone"] = phone
    return party


def _waybill_of(body: Any) -> str:
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        value = body.get("waybillNo")
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


async def _all_or_nothing(coros: Sequence[Awaitable[T]]) -> list[T]:
    """Run concurrently; on the first failure cancel the others and raise it (no ExceptionGroup)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
