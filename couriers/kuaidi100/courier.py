"""`Kuaidi100Courier`: books, cancels and tracks one carrier (config `com`) through a Kuaidi100 account.

Decisions worth knowing:
- Tracking is one number per call, and never the same number twice within 30 minutes (Kuaidi100 locks a
  number queried more often). The adapter remembers, per number, when it last asked and what it got; a repeat
  inside the window is answered from that memory without a call. The memory is per instance: a second replica
  may still ask once more, and the (simulated) lock then reads as "no news" (see `query`).
- `track` answers every number: one without a record (500) or with a wrong phone tail (408) gets an empty
  timeline and a log line, as for any carrier answering "no record"; account and server failures raise.
- Booking is idempotent on Kuaidi100's side through `thirdOrderId`, so the adapter keeps no order memory;
  a fresh instance booking the same order id gets the first order back. `Booking.raw` holds taskId / orderId
  (needed by `cancel`) and kuaidicom.
- Pushes: tracking pushes go to `callback_url`, border order callbacks to `callback_url + "/order"`;
  `parse_push` tells them apart by that path tail (see `push`).
- All tracking uses the configured `com`: the adapter tracks the waybills it booked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
from couriers.errors import ConfigurationError, RejectedError, RetryableError
from couriers.kuaidi100 import border, push, query
from couriers.kuaidi100.config import DEFAULT_RATE_PER_SECOND, Kuaidi100Config
from couriers.transport import CarrierTransport, Response

__all__ = ["MIN_QUERY_INTERVAL", "Kuaidi100Courier"]

log = logging.getLogger(__name__)

MIN_QUERY_INTERVAL = timedelta(minutes=30)


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        """`now` must return aware datetimes (inject a virtual clock in tests); `session` is borrowed."""
        self.config = config
        self._now = now
        self._transport = CarrierTransport(self.code, config.transport, session=session)
        self._recent: dict[str, tuple[datetime, TrackResult]] = {}
        self._pushes = push.PushParser(config.salt, self.now)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        return cls(Kuaidi100Config.from_mapping(config))

    def now(self) -> datetime:
        current = self._now()
        if current.tzinfo is None:
            raise ValueError("the kuaidi100 adapter clock must return timezone-aware datetimes")
        return current.astimezone(UTC)

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

        async def attempt() -> Booking:
            data = await self._border("bOrder", param)
            number = str(data.get("kuaidinum") or "")
            if not number:
                raise RetryableError(
                    f"kuaidi100 accepted order {request.order_id} but gave no waybill number yet",
                    carrier=self.code,
                    raw_code="NO_KUAIDINUM",
                )
            return Booking(
                order_id=request.order_id,
                tracking_number=number,
                carrier=self.code,
                raw={
                    "kuaidinum": number,
                    "taskId": str(data.get("taskId") or ""),
                    "orderId": str(data.get("orderId") or ""),
                    "kuaidicom": self.config.com,
                    "thirdOrderId": request.order_id,
                },
            )

        return await self._transport.call("bOrder", attempt)

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
        param = border.cancel_param(task_id, order_id)

        async def attempt() -> None:
            await self._border("cancel", param)

        await self._transport.call("cancel", attempt)

    async def _border(self, method: str, param: Mapping[str, str]) -> Mapping[str, Any]:
        t_ms = int(self.now().timestamp() * 1000)
        form = border.border_form(method, param, key=self.config.key, secret=self.config.secret, t_ms=t_ms)
        response = await self._transport.post(self.config.border_url, operation=method, data=form)
        _check_http(response, method)
        return border.parse_border_answer(response.body, operation=method)

    # -- tracking -----------------------------------------------------------------------------------------

    async def track(self, queries: Sequence[TrackQuery]) -> list[TrackResult]:
        """One real-time query per number, in order; a number asked within 30 minutes comes from memory."""
        now = self.now()
        self._forget_before(now - MIN_QUERY_INTERVAL)
        results = []
        for q in queries:
            recent = self._recent.get(q.tracking_number)
            if recent is not None:
                results.append(recent[1])
                continue
            result = await self._query(q)
            self._recent[q.tracking_number] = (self.now(), result)
            results.append(result)
        return results

    def _forget_before(self, cutoff: datetime) -> None:
        for number in [n for n, (at, _) in self._recent.items() if at <= cutoff]:
            del self._recent[number]

    async def _query(self, q: TrackQuery) -> TrackResult:
        form = query.query_form(
            customer=self.config.customer,
            key=self.config.key,
            com=self.config.com,
            number=q.tracking_number,
            phone=q.phone_tail,
        )

        async def attempt() -> query.QueryAnswer:
            response = await self._transport.post(self.config.query_url, operation="query", data=form)
            _check_http(response, "query")
            return query.parse_query_answer(response.body, q.tracking_number)

        answer = await self._transport.call("query", attempt)
        if answer.empty_code:
            log.info("kuaidi100 has no timeline for a number (returnCode %s)", answer.empty_code)
        return TrackResult(q.tracking_number, answer.events)

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
