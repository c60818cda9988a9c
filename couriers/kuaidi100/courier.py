"""`Kuaidi100Courier`: books, cancels and tracks one carrier (config `com`) through a Kuaidi100 account.

Decisions worth knowing:
- Tracking is one number per call, and never the same number twice within 30 minutes (Kuaidi100 locks a
  number queried more often). So a real-time query is sent exactly once — never retried by the transport, a
  timeout or 5xx included — and the number is remembered as asked *before* the request leaves: an answer lost
  on the way back still counts. Within the 30 minutes a number asked successfully is answered from memory; one
  whose query failed is refused with `QueryLocked` (a `RetryableError` saying when it may be asked again)
  without calling Kuaidi100. The memory is per instance: a second replica may still ask once more, and the
  (simulated) lock then reads as "no news" (see `query`).
- `track` answers every number: one without a record (500) or with a wrong phone tail (408) gets an empty
  timeline and a log line, as for any carrier answering "no record"; account and server failures raise.
- Booking is idempotent on Kuaidi100's side through `thirdOrderId`, so the adapter keeps no order memory;
  a fresh instance booking the same order id gets the first order back. `Booking.raw` holds taskId / orderId
  (needed by `cancel`) and kuaidicom.
- A bOrder answer without `kuaidinum` (carriers that assign the waybill asynchronously) is not a carrier
  failure: the adapter asks `detail` for the order's number, and if there is none yet raises
  `TrackingNumberPending` outside the circuit breaker; the booking job's next try (same thirdOrderId) finds
  the order with its number. If `detail` says the order failed (610) or was cancelled (9, 99), booking is a
  `RejectedError`: no courier is coming, a clerk must decide.
- Pushes: tracking pushes go to `callback_url`, border order callbacks to `callback_url + "/order"`;
  `parse_push` tells them apart by that path tail (see `push`).
- All tracking uses the configured `com`: the adapter tracks the waybills it booked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

import aiohttp

from couriers.contract import (
    Booking,
    Capabilities,
    Courier,
    InboundPush,
    PickupRequest,
    PushOutcome,
    TrackQuery,
    TrackResult,
)
from couriers.errors import ConfigurationError, RejectedError, RetryableError, TrackingNumberPending
from couriers.kuaidi100 import border, codes, push, query
from couriers.kuaidi100.config import DEFAULT_RATE_PER_SECOND, Kuaidi100Config
from couriers.transport import CarrierTransport, Response
from couriers.wire_common import as_utc, format_beijing, utc_now

__all__ = ["MIN_QUERY_INTERVAL", "Kuaidi100Courier", "QueryLocked"]

log = logging.getLogger(__name__)

MIN_QUERY_INTERVAL = timedelta(minutes=30)
#: Order statuses (border `detail`) after which no courier is coming for the order.
_DEAD_ORDER_STATUSES = frozenset({"610", "9", "99"})


class QueryLocked(RetryableError):
    """The number was asked within the last 30 minutes and that query failed; asking again would lock it."""


@dataclass(frozen=True, slots=True)
class _Asked:
    """When a number was last asked, and its answer (None: the query failed or its answer never came)."""

    at: datetime
    result: TrackResult | None = None


class Kuaidi100Courier(Courier):
    """Kuaidi100 (快递100); see the module docstring for its rules."""

    code: ClassVar[str] = "kuaidi100"
    name: ClassVar[str] = "快递100"
    capabilities: ClassVar[Capabilities] = Capabilities(
        push=True,
        cancel=True,
        track_batch_size=1,
        rate_limit_per_second=DEFAULT_RATE_PER_SECOND,
        min_query_interval=MIN_QUERY_INTERVAL,
    )

    def __init__(
        self,
        config: Kuaidi100Config,
        *,
        session: aiohttp.ClientSession | None = None,
        transport: CarrierTransport | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        """`now` must return aware datetimes (inject a virtual clock in tests); `session` is borrowed;
        `transport` replaces the HTTP transport (tests)."""
        self.config = config
        self._now = now
        self._transport = transport or CarrierTransport(self.code, config.transport, session=session)
        self._asked: dict[str, _Asked] = {}
        self._pushes = push.PushParser(config.salt)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(Kuaidi100Config.from_mapping(config))

    def now(self) -> datetime:
        return as_utc(self._now(), what="the kuaidi100 adapter clock")

    # -- booking ------------------------------------------------------------------------------------------

    async def book(self, request: PickupRequest) -> Booking:
        """bOrder with `thirdOrderId = order_id`: a repeat within Kuaidi100's 48 h returns the first order.

        The callback is the service's own (`request.callback_url`); `callback_url` in the config overrides it,
        for a service behind a proxy that Kuaidi100 must reach by another address.
        """
        callback_url = (self.config.callback_url or request.callback_url).rstrip("/")
        if not callback_url:
            raise ConfigurationError(
                "kuaidi100 needs a callback URL to book (Kuaidi100 requires a callBackUrl): "
                "set server.public_url or couriers.kuaidi100.callback_url",
                carrier=self.code,
            )
        param = border.order_param(
            request,
            com=self.config.com,
            salt=self.config.salt,
            callback_url=callback_url,
            now=self.now(),
        )
        data = await self._border("bOrder", param)
        task_id = str(data.get("taskId") or "")
        kd_order_id = str(data.get("orderId") or "")
        number = str(data.get("kuaidinum") or "")
        if not number and task_id:
            number = await self._number_of(request.order_id, task_id)
        if not number:
            # Raised here, outside the transport: an order waiting for its number says nothing about
            # Kuaidi100's health, so it must not count towards the circuit breaker, nor be retried at once.
            raise TrackingNumberPending(
                f"kuaidi100 accepted order {request.order_id} (Kuaidi100 order {kd_order_id or '?'}) but the "
                "carrier has not assigned a waybill number yet; booking again later finds the same order",
                carrier=self.code,
                raw_code="NO_KUAIDINUM",
            )
        return Booking(
            order_id=request.order_id,
            tracking_number=number,
            carrier=self.code,
            raw={
                "kuaidinum": number,
                "taskId": task_id,
                "orderId": kd_order_id,
                "kuaidicom": self.config.com,
                "thirdOrderId": request.order_id,
            },
        )

    async def _number_of(self, order_id: str, task_id: str) -> str:
        """The waybill number `detail` reports for an order ("" if none yet); dead orders are rejected."""
        data = await self._border("detail", {"taskId": task_id})
        status = str(data.get("status", "")).strip()
        if status in _DEAD_ORDER_STATUSES:
            raise RejectedError(
                f"kuaidi100 order for {order_id} ended without a pickup: {status} "
                f"{codes.ORDER_TEXT.get(status, '')}; a clerk must book it again",
                carrier=self.code,
                raw_code=codes.order_raw_code(status),
            )
        return str(data.get("kuaidinum") or "")

    async def cancel(self, booking: Booking) -> None:
        """Cancel before pickup; again is a no-op; after pickup `RejectedError`."""
        task_id = str(booking.raw.get("taskId") or "")
        order_id = str(booking.raw.get("orderId") or "")
        if not task_id or not order_id:
            raise RejectedError(
                f"booking {booking.order_id} has no Kuaidi100 taskId/orderId to cancel with",
                carrier=self.code,
                raw_code="NO_TASK_ID",
            )
        await self._border("cancel", border.cancel_param(task_id, order_id))

    async def _border(self, method: str, param: Mapping[str, str]) -> Mapping[str, Any]:
        """One border API call under the transport policy (retried: thirdOrderId makes bOrder idempotent)."""

        async def attempt() -> Mapping[str, Any]:
            t_ms = int(self.now().timestamp() * 1000)
            form = border.border_form(
                method, param, key=self.config.key, secret=self.config.secret, t_ms=t_ms
            )
            response = await self._transport.post(self.config.border_url, operation=method, data=form)
            _check_http(response, method)
            return border.parse_border_answer(response.body, operation=method)

        return await self._transport.call(method, attempt)

    # -- tracking -----------------------------------------------------------------------------------------

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        """One real-time query per number, in order; never the same number twice within 30 minutes.

        A number asked within the window is answered from memory, or — if that query failed — refused with
        `QueryLocked` after the other numbers were asked (their answers are remembered, so the caller's retry
        costs no call).
        """
        self._forget_before(self.now() - MIN_QUERY_INTERVAL)
        results = []
        locked: list[_Asked] = []
        for q in queries:
            asked = self._asked.get(q.tracking_number)
            if asked is None:
                results.append(await self._query(q))
            elif asked.result is not None:
                results.append(asked.result)
            else:
                locked.append(asked)
        if locked:
            free_at = format_beijing(min(a.at for a in locked) + MIN_QUERY_INTERVAL)
            raise QueryLocked(
                f"kuaidi100 was asked for {len(locked)} of these number(s) in the last 30 minutes without an "
                f"answer; asking again before {free_at} (Beijing time) would lock them",
                carrier=self.code,
                raw_code="QUERY_LOCKED",
            )
        return results

    def _forget_before(self, cutoff: datetime) -> None:
        for number in [n for n, asked in self._asked.items() if asked.at <= cutoff]:
            del self._asked[number]

    async def _query(self, q: TrackQuery) -> TrackResult:
        """Exactly one real-time query, remembered as asked before it is sent (see the module docstring)."""
        number = q.tracking_number
        form = query.query_form(
            customer=self.config.customer,
            key=self.config.key,
            com=self.config.com,
            number=number,
            phone=q.phone_tail,
        )

        async def attempt() -> query.QueryAnswer:
            self._asked[number] = _Asked(self.now())
            response = await self._transport.post(self.config.query_url, operation="query", data=form)
            _check_http(response, "query")
            return query.parse_query_answer(response.body, number)

        answer = await self._transport.call("query", attempt, retry=False)
        if answer.empty_code:
            log.info("kuaidi100 has no timeline for a number (returnCode %s)", answer.empty_code)
        result = TrackResult(number, answer.events)
        self._asked[number] = _Asked(self._asked[number].at, result)
        return result

    # -- pushes -------------------------------------------------------------------------------------------

    async def subscribe(self, query_: TrackQuery, callback_url: str) -> None:
        """Ask Kuaidi100 to push this number's timeline to `callback_url` (already subscribed is fine)."""
        form = push.subscribe_form(
            key=self.config.key,
            com=self.config.com,
            number=query_.tracking_number,
            callback_url=callback_url,
            salt=self.config.salt,
            phone=query_.phone_tail,
        )

        async def attempt() -> None:
            response = await self._transport.post(self.config.poll_url, operation="subscribe", data=form)
            _check_http(response, "subscribe")
            push.parse_subscribe_answer(response.body)

        await self._transport.call("subscribe", attempt)

    def parse_push(self, push_: InboundPush) -> PushOutcome:
        """Tracking push (tail "") or order callback (tail "/order"): sign checked (401), then shape (400)."""
        return self._pushes.parse(push_)

    async def close(self) -> None:
        await self._transport.close()


def _check_http(response: Response, operation: str) -> None:
    """Kuaidi100 answers 200 with a JSON body; another 2xx-4xx status means a wrong URL or a proxy."""
    if response.status != 200:
        raise ConfigurationError(
            f"kuaidi100 {operation} answered HTTP {response.status}; check the configured URL",
            carrier="kuaidi100",
            raw_code=str(response.status),
        )
