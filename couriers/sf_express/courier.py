"""`SFExpressCourier`: SF Express (顺丰速运) through the 丰桥 `std/service` API.

Every call goes through `CarrierTransport` (one session, timeouts, 30 calls/s, retries of retryable failures,
circuit breaker); each attempt is freshly signed with a new requestID and timestamp. The adapter keeps no
memory of its bookings: SF is the record, so any replica can resolve any order.

- `book` sends EXP_RECE_CREATE_ORDER with a courier call (`isDocall` 1, `sendStartTm` = window start in
  Beijing time). SF has no field for the end of the window; we send the start only. On 8096 (pickup time
  outside SF's business hours) the start moves to the next business window and the order is sent again, at
  most `PICKUP_WINDOW_TRIES` times in all. Assumption, shared with the simulator: business windows open at
  09:00 Beijing time (`BUSINESS_DAY_START`), every day. 8016 (duplicate orderId) — and A1007 — mean the order
  exists: it is looked up with EXP_RECE_SEARCH_ORDER_RESP and that booking returned, so a retry never books
  twice. `DuplicateOrderError` never leaves `book`: an order SF says exists but cannot show yet (8018 on the
  lookup, or no waybill number on it) is a `RetryableError` — the next try finds it — never a second booking.
  A1007 (a repeated requestID) is retryable: each attempt is signed with a fresh requestID. `filterResult` 3
  (SF cannot serve the addresses) is a `RejectedError`.
- `cancel` sends EXP_RECE_UPDATE_ORDER `dealType` 2; 8037 (already cancelled) is success, 8252 (already
  confirmed, i.e. picked up) is a `RejectedError`.
- `track` sends EXP_RECE_SEARCH_ROUTES by waybill number (`trackingType` 1), at most 10 numbers a call.
  `checkPhoneNo` is one value per request, so queries are grouped by phone tail first, then cut into tens;
  results come back in query order, a number SF does not know gets an empty timeline, and a route entry that
  cannot be read is skipped (logged by opCode only) rather than failing the whole batch.
- `subscribe` is a no-op: SF has no subscription API, it pushes every waybill of the account to the URL set in
  SF's portal, which must be `/webhooks/sf_express/<webhook_secret>`. `parse_push` accepts a push only when
  its path tail equals `"/" + webhook_secret` (constant-time compare; 403 otherwise), since SF signs nothing.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar, Self

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
from couriers.errors import (
    ConfigurationError,
    DuplicateOrderError,
    PushRejected,
    RejectedError,
    RetryableError,
)
from couriers.events import TrackingEvent
from couriers.sf_express import codes, wire
from couriers.sf_express.config import SFExpressConfig
from couriers.transport import CarrierTransport, TransportPolicy
from couriers.wire_common import BEIJING, utc_now

__all__ = ["BUSINESS_DAY_START", "PICKUP_WINDOW_TRIES", "SFExpressCourier", "next_business_window"]

log = logging.getLogger(__name__)

#: SF's documented integration-environment limit.
RATE_LIMIT_PER_SECOND = 30.0
#: First try plus moves to a later business window after 8096.
PICKUP_WINDOW_TRIES = 3
#: Assumed opening of SF's pickup business hours (Beijing time).
BUSINESS_DAY_START = time(9, 0)
#: expressTypeId 1 = 顺丰特快 (documents travel fastest; certificates are documents).
EXPRESS_TYPE = 1

_MOBILE = re.compile(r"1\d{10}")


def next_business_window(after: datetime) -> datetime:
    """The next opening of SF's business hours strictly after `after` (aware; returned in UTC)."""
    local = after.astimezone(BEIJING)
    opening = datetime.combine(local.date(), BUSINESS_DAY_START, tzinfo=BEIJING)
    if opening <= local:
        opening += timedelta(days=1)
    return opening.astimezone(UTC)


def _contact(contact_type: int, address: Address) -> dict[str, Any]:
    phone = re.sub(r"[\s-]", "", address.phone)
    entry: dict[str, Any] = {
        "contactType": contact_type,
        "contact": address.name,
        "country": "CN",
        "province": address.province,
        "city": address.city,
        "county": address.county,
        "address": address.address,
    }
    entry["mobile" if _MOBILE.fullmatch(phone) else "tel"] = phone
    return entry


class SFExpressCourier(Courier):
    """SF Express (顺丰速运); see the module docstring for the protocol decisions."""

    code: ClassVar[str] = "sf_express"
    name: ClassVar[str] = "顺丰速运"
    capabilities: ClassVar[Capabilities] = Capabilities(
        push=True,
        cancel=True,
        track_batch_size=wire.ROUTE_BATCH_LIMIT,
        rate_limit_per_second=RATE_LIMIT_PER_SECOND,
    )

    def __init__(
        self,
        config: SFExpressConfig,
        *,
        policy: TransportPolicy | None = None,
        transport: CarrierTransport | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        """`transport` replaces the HTTP transport (tests); `now` must return aware datetimes."""
        self.config = config
        self._transport = transport or CarrierTransport(
            self.code, policy or TransportPolicy(rate_per_second=RATE_LIMIT_PER_SECOND)
        )
        self._now = now

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        parsed = SFExpressConfig.from_mapping(config)
        policy = TransportPolicy.from_config(
            parsed.transport, rate_per_second=RATE_LIMIT_PER_SECOND, carrier=cls.code
        )
        return cls(parsed, policy=policy)

    # -- the protocol -------------------------------------------------------------------------------------

    async def _request(self, service_code: str, msg_data: Mapping[str, Any]) -> dict[str, Any]:
        """One service call under the transport's policy; the business msgData or a typed error."""

        async def attempt() -> dict[str, Any]:
            form = wire.build_form(
                partner_id=self.config.partner_id,
                check_word=self.config.check_word,
                service_code=service_code,
                msg_data=msg_data,
            )
            response = await self._transport.post(self.config.base_url, operation=service_code, data=form)
            if response.status != 200:
                raise ConfigurationError(
                    f"SF answered {service_code} with HTTP {response.status}; check base_url",
                    carrier=self.code,
                    raw_code=str(response.status),
                )
            return wire.parse_response(response.body, operation=service_code)

        return await self._transport.call(service_code, attempt)

    def _order_data(self, request: PickupRequest, pickup_at: datetime) -> dict[str, Any]:
        weight = round(max(request.weight_kg, 0.001), 3)
        data: dict[str, Any] = {
            "language": "zh-CN",
            "orderId": request.order_id,
            "expressTypeId": EXPRESS_TYPE,
            "parcelQty": 1,
            "totalWeight": weight,
            "isDocall": 1,
            "sendStartTm": wire.beijing_text(pickup_at),
            "isReturnRoutelabel": 0,
            "payMethod": 1,  # 寄方付: the hall pays (to the monthly card when one is configured)
            "cargoDetails": [{"name": request.description, "count": 1, "unit": "件", "weight": weight}],
            "contactInfoList": [_contact(1, request.sender), _contact(2, request.recipient)],
        }
        if self.config.monthly_card:
            data["monthlyCard"] = self.config.monthly_card
        return data

    def _booking(self, order_id: str, data: Mapping[str, Any], operation: str) -> Booking:
        if str(data.get("filterResult", "")) == "3":
            raise RejectedError(
                f"SF cannot serve order {order_id} (filterResult 3: outside the service area)",
                carrier=self.code,
                raw_code="filterResult=3",
            )
        waybills = data.get("waybillNoInfoList") or []
        numbers = [
            str(w.get("waybillNo"))
            for w in waybills
            if isinstance(w, Mapping) and w.get("waybillNo") and str(w.get("waybillType", "1")) == "1"
        ]
        if not numbers:
            numbers = [
                str(w.get("waybillNo")) for w in waybills if isinstance(w, Mapping) and w.get("waybillNo")
            ]
        if not numbers:
            # The order exists at SF; its waybill number is not there yet. Asking again later finds it.
            raise RetryableError(
                f"SF {operation} for order {order_id} returned no waybill number yet; retry later",
                carrier=self.code,
                raw_code="NO_WAYBILL",
            )
        raw = {k: data[k] for k in ("orderId", "filterResult", "originCode", "destCode") if k in data}
        return Booking(order_id=order_id, tracking_number=numbers[0], carrier=self.code, raw=raw)

    # -- the contract -------------------------------------------------------------------------------------

    async def book(self, request: PickupRequest) -> Booking:
        """Create the order with a courier call; see the module docstring for 8096 and 8016."""
        pickup_at = request.window_start
        for tries in range(1, PICKUP_WINDOW_TRIES + 1):
            try:
                data = await self._request(wire.CREATE_ORDER, self._order_data(request, pickup_at))
            except DuplicateOrderError:
                return await self._find_order(request.order_id)
            except RejectedError as e:
                if e.raw_code != codes.OUTSIDE_PICKUP_HOURS or tries == PICKUP_WINDOW_TRIES:
                    raise
                pickup_at = next_business_window(max(pickup_at, self._now()))
                log.info("sf_express: pickup time refused (8096); trying the window at %s", pickup_at)
                continue
            booking = self._booking(request.order_id, data, wire.CREATE_ORDER)
            return Booking(
                booking.order_id,
                booking.tracking_number,
                booking.carrier,
                {**booking.raw, "sendStartTm": wire.beijing_text(pickup_at)},
            )
        raise AssertionError("unreachable: the last try re-raises")  # pragma: no cover

    async def _find_order(self, order_id: str) -> Booking:
        """The booking SF already holds for `order_id` (after 8016), never a new one.

        SF just said the order exists, so "not found" (8018) or a duplicate answer here is a lag on SF's side:
        retryable, with a message saying so — a caller must never book again under a new id.
        """
        try:
            data = await self._request(
                wire.SEARCH_ORDER, {"language": "zh-CN", "orderId": order_id, "searchType": "1"}
            )
        except (DuplicateOrderError, RejectedError) as e:
            if isinstance(e, RejectedError) and e.raw_code != codes.ORDER_NOT_FOUND:
                raise
            raise RetryableError(
                f"SF reports order {order_id} as already booked but cannot show it yet ({e.raw_code}); "
                "retry later — do not book it again",
                carrier=self.code,
                raw_code=e.raw_code,
            ) from e
        return self._booking(order_id, data, wire.SEARCH_ORDER)

    async def cancel(self, booking: Booking) -> None:
        """Cancel the order (dealType 2); already cancelled is fine, already picked up is `RejectedError`."""
        try:
            await self._request(
                wire.UPDATE_ORDER, {"language": "zh-CN", "orderId": booking.order_id, "dealType": 2}
            )
        except RejectedError as e:
            if e.raw_code != codes.ALREADY_CANCELLED:
                raise

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        """Routes of each number, in query order, batched by phone tail and by ten."""
        by_tail: dict[str, list[str]] = {}
        for q in queries:
            numbers = by_tail.setdefault(q.phone_tail.strip(), [])
            if q.tracking_number not in numbers:
                numbers.append(q.tracking_number)
        found: dict[tuple[str, str], list[TrackingEvent]] = {}
        for tail, numbers in by_tail.items():
            for start in range(0, len(numbers), wire.ROUTE_BATCH_LIMIT):
                batch = numbers[start : start + wire.ROUTE_BATCH_LIMIT]
                for number, events in (await self._routes(batch, tail)).items():
                    found[(tail, number)] = events
        return [
            TrackResult(q.tracking_number, found.get((q.phone_tail.strip(), q.tracking_number), []))
            for q in queries
        ]

    async def _routes(self, numbers: Sequence[str], phone_tail: str) -> dict[str, list[TrackingEvent]]:
        msg: dict[str, Any] = {
            "language": "zh-CN",
            "trackingType": "1",
            "trackingNumber": list(numbers),
            "methodType": "1",
        }
        if phone_tail:
            msg["checkPhoneNo"] = phone_tail
        data = await self._request(wire.SEARCH_ROUTES, msg)
        result: dict[str, list[TrackingEvent]] = {}
        for resp in data.get("routeResps") or []:
            if not isinstance(resp, Mapping):
                continue
            number = str(resp.get("mailNo") or "")
            if not number:
                continue
            events = []
            for route in resp.get("routes") or []:
                try:
                    events.append(wire.route_event(number, route))
                except ValueError as e:
                    code = route.get("opCode", "?") if isinstance(route, Mapping) else "?"
                    log.warning("sf_express: skipped an unreadable route (opCode %s): %s", code, e)
            events.sort(key=lambda e: e.time)
            result[number] = events
        return result

    async def subscribe(self, query: TrackQuery, callback_url: str) -> None:
        """Nothing to do: SF pushes every waybill to the URL configured in its portal."""

    def parse_push(self, push: InboundPush) -> PushOutcome:
        """Check the secret path (403), parse the JSON route push (400), acknowledge with return_code 0000."""
        expected = ("/" + self.config.webhook_secret).encode("utf-8")
        # Bytes, not str: `compare_digest` refuses non-ASCII str, and a path may carry anything.
        if not hmac.compare_digest(push.path_tail.encode("utf-8", errors="replace"), expected):
            raise PushRejected("unknown SF push path", status=403, carrier=self.code)
        try:
            events = wire.decode_push(push.body)
        except ValueError as e:
            raise PushRejected(f"malformed SF route push: {e}", status=400, carrier=self.code) from None
        return PushOutcome(events=events, ack_body=wire.ACK_OK, ack_content_type="application/json")

    async def close(self) -> None:
        await self._transport.close()
