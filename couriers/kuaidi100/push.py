"""Subscription (订阅, POST /poll) and the two kinds of push Kuaidi100 sends back.

Subscribe: form `schema=json`, `param={company, number, key, parameters{callbackurl, salt, resultv2, phone}}`,
no signature of its own (the key travels inside param). `returnCode` 200 and 501 (already subscribed) both
mean "monitoring"; other codes map through `codes.SUBSCRIBE_ERRORS`.

Tracking push (to `callbackurl`, path tail ""): form `param` (JSON) and `sign = UPPER(MD5(param + salt))`.
`param.status` is polling | shutdown (signed for / returned: no more pushes) | abort (Kuaidi100 gave up: no
record for 3 days, or no change for 60 days) | updateall; `param.lastResult` is the whole timeline so far,
newest first. For `abort` the number is returned in `PushOutcome.resubscribe`: the service subscribes it
again (Kuaidi100 asks for that to happen no sooner than half an hour later).

Order callback of the border API (to bOrder's `callBackUrl`, path tail "/order"): form `taskId`, `sign` and
`param` (JSON `{kuaidicom, kuaidinum, status, message, data{orderId, status, cancelMsg, courierName,
courierMobile, weight, freight, updateTime}}`), one status per callback. Assumed signed like the tracking
push with the bOrder `salt`. Kuaidi100's published field list has no time at all; `data.updateTime` (or a
top-level `updateTime`, Beijing time) is our assumption and is used when present. Without it the event time
is derived from the callback itself, never from the clock, so a replayed callback (Kuaidi100 retries, the
service re-parses stored pushes) yields the identical event and deduplicates: `ORDER_EPOCH` (the Unix epoch)
plus the status's place in the order's life in seconds (`ORDER_LIFECYCLE`), which keeps several timeless
order events in their natural order among themselves; such events sort before every timed scan.

A callback without `kuaidinum` (typically 610 下单失败: the order failed before a waybill number existed)
has nothing to attach an event to: it is acknowledged, logged with Kuaidi100's orderId, and yields no event —
the booking itself reports 610 as a rejection (see `courier`).

Both are answered `{"result":true,"returnCode":"200","message":"成功"}`; anything else makes Kuaidi100 retry
(three times, about 30 minutes apart). Unsigned or wrongly signed pushes are refused with 401, malformed ones
with 400 — after the signature check, so a forger learns nothing about the parser.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from couriers.contract import InboundPush, PushOutcome
from couriers.errors import PushRejected, RetryableError
from couriers.events import TrackingEvent
from couriers.kuaidi100 import codes
from couriers.kuaidi100.query import beijing_time, parse_result
from couriers.kuaidi100.signing import encode_param, verify_push
from couriers.wire_common import load_json

__all__ = [
    "ACK_BODY",
    "ORDER_EPOCH",
    "ORDER_LIFECYCLE",
    "ORDER_TAIL",
    "PushParser",
    "parse_subscribe_answer",
    "subscribe_form",
]

ACK_BODY = encode_param({"result": True, "returnCode": "200", "message": "成功"}).encode("utf-8")
#: Path tail of border order callbacks, after the tracking callback URL.
ORDER_TAIL = "/order"
_CARRIER = "kuaidi100"

log = logging.getLogger(__name__)

#: The "time unknown" anchor of order events whose callback carries no time (see the module docstring).
ORDER_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Order-callback statuses in the order an order lives through them; the index is the seconds after
#: `ORDER_EPOCH` a timeless callback of that status is stamped with.
ORDER_LIFECYCLE = ("0", "610", "1", "2", "11", "9", "99", "10", "101", "14", "12", "13", "15", "155")


def subscribe_form(
    *, key: str, com: str, number: str, callback_url: str, salt: str, phone: str = ""
) -> dict[str, str]:
    parameters: dict[str, str] = {"callbackurl": callback_url, "salt": salt, "resultv2": "1"}
    if phone:
        parameters["phone"] = phone
    param = {"company": com, "number": number, "key": key, "parameters": parameters}
    return {"schema": "json", "param": encode_param(param)}


def parse_subscribe_answer(body: bytes) -> None:
    """Return if Kuaidi100 is monitoring the number; raise the typed error otherwise."""
    try:
        answer = load_json(body)
    except ValueError:
        raise RetryableError(
            "kuaidi100 subscribe answered something that is not JSON", carrier=_CARRIER
        ) from None
    if not isinstance(answer, Mapping):
        raise RetryableError("kuaidi100 subscribe answered an unexpected JSON value", carrier=_CARRIER)
    code = str(answer.get("returnCode", ""))
    if code in codes.SUBSCRIBE_OK:
        return
    raise codes.error_for(codes.SUBSCRIBE_ERRORS, code, str(answer.get("message", "")), operation="subscribe")


class PushParser:
    """Authenticates and decodes both kinds of push with the configured salt.

    Only `PushRejected` ever leaves `parse`: the service answers it with its status, while any other exception
    would be a 500 and a push lost.
    """

    def __init__(self, salt: str) -> None:
        self._salt = salt

    def parse(self, push: InboundPush) -> PushOutcome:
        tail = push.path_tail.rstrip("/")
        if tail == "":
            return self._tracking(push)
        if tail == ORDER_TAIL:
            return self._order(push)
        raise PushRejected(f"no kuaidi100 push is sent to {tail[:40]!r}", status=404, carrier=_CARRIER)

    def _form(self, push: InboundPush) -> str:
        try:
            fields = parse_qs(push.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise PushRejected("push body is not UTF-8", status=400, carrier=_CARRIER) from None
        except ValueError:
            raise PushRejected("push body is not a form", status=400, carrier=_CARRIER) from None
        flat = {k: v[0] for k, v in fields.items() if v}
        param = flat.get("param")
        if param is None:
            raise PushRejected("push has no param field", status=400, carrier=_CARRIER)
        if not verify_push(param, self._salt, flat.get("sign")):
            raise PushRejected("missing or wrong kuaidi100 push sign", status=401, carrier=_CARRIER)
        return param

    def _tracking(self, push: InboundPush) -> PushOutcome:
        param = self._form(push)
        try:
            body = _object(load_json(param), "param")
            if "status" not in body:
                raise ValueError("param has no status")
            status = str(body["status"])
            last = _object(body.get("lastResult") or {}, "lastResult")
            number = _number(last.get("nu"))
            if not number:
                raise ValueError("lastResult has no number (nu)")
            events = parse_result(last, number)
        except (ValueError, KeyError, TypeError) as e:
            raise PushRejected(f"malformed kuaidi100 push: {e}", status=400, carrier=_CARRIER) from None
        resubscribe = (number,) if status == "abort" else ()
        return PushOutcome(events=events, ack_body=ACK_BODY, resubscribe=resubscribe)

    def _order(self, push: InboundPush) -> PushOutcome:
        param = self._form(push)
        try:
            body = _object(load_json(param), "param")
            data = _object({} if body.get("data") is None else body["data"], "data")
            code = str(body.get("status", data.get("status", ""))).strip()
            status = codes.order_status_for(code)
            number = _number(body.get("kuaidinum"))
            when = _order_time(body, data, code)
            text = str(body.get("message") or data.get("cancelMsg") or codes.ORDER_TEXT[code])
        except (ValueError, KeyError, TypeError) as e:
            raise PushRejected(
                f"malformed kuaidi100 order callback: {e}", status=400, carrier=_CARRIER
            ) from None
        events: list[TrackingEvent] = []
        if status is not None and number:
            events.append(
                TrackingEvent(
                    tracking_number=number,
                    time=when,
                    status=status,
                    raw_code=codes.order_raw_code(code),
                    description=text,
                )
            )
        elif status is not None:
            log.warning(
                "kuaidi100 order callback %s (%s) for order %s carries no waybill number; no event",
                code,
                codes.ORDER_TEXT[code],
                str(data.get("orderId") or "?")[:40],
            )
        return PushOutcome(events=events, ack_body=ACK_BODY)


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} is not a JSON object")
    return value


def _number(value: Any) -> str:
    """A waybill number as sent (string or integer); "" when absent; `ValueError` for any other JSON."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("the waybill number is not a string")
    return str(value).strip()


def _order_time(body: Mapping[str, Any], data: Mapping[str, Any], code: str) -> datetime:
    """The callback's own `updateTime`, else the stable stamp of its status (see the module docstring)."""
    updated = data.get("updateTime") or body.get("updateTime")
    if updated:
        return beijing_time(updated)
    rank = ORDER_LIFECYCLE.index(code) if code in ORDER_LIFECYCLE else len(ORDER_LIFECYCLE)
    return ORDER_EPOCH + timedelta(seconds=rank)
