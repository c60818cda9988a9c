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
push with the bOrder `salt`; `data.updateTime` (Beijing time) is an assumption too — without it the event
is stamped with the time it arrived.

Both are answered `{"result":true,"returnCode":"200","message":"成功"}`; anything else makes Kuaidi100 retry
(three times, about 30 minutes apart). Unsigned or wrongly signed pushes are refused with 401, malformed ones
with 400 — after the signature check, so a forger learns nothing about the parser.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import parse_qs

from couriers.contract import InboundPush, PushOutcome
from couriers.errors import PushRejected, RetryableError
from couriers.events import TrackingEvent
from couriers.kuaidi100 import codes
from couriers.kuaidi100.query import beijing_time, parse_result
from couriers.kuaidi100.signing import encode_param, verify_push

__all__ = [
    "ACK_BODY",
    "ORDER_TAIL",
    "PushParser",
    "parse_subscribe_answer",
    "subscribe_form",
]

ACK_BODY = encode_param({"result": True, "returnCode": "200", "message": "成功"}).encode("utf-8")
#: Path tail of border order callbacks, after the tracking callback URL.
ORDER_TAIL = "/order"
_CARRIER = "kuaidi100"


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
        answer = json.loads(body)
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
    """Authenticates and decodes both kinds of push with the configured salt."""

    def __init__(self, salt: str, now: Callable[[], datetime]) -> None:
        self._salt = salt
        self._now = now

    def parse(self, push: InboundPush) -> PushOutcome:
        tail = push.path_tail.rstrip("/")
        if tail == "":
            return self._tracking(push)
        if tail == ORDER_TAIL:
            return self._order(push)
        raise PushRejected(f"no kuaidi100 push is sent to {tail!r}", status=404, carrier=_CARRIER)

    def _form(self, push: InboundPush) -> tuple[str, dict[str, str]]:
        try:
            fields = parse_qs(push.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise PushRejected("push body is not UTF-8", status=400, carrier=_CARRIER) from None
        flat = {k: v[0] for k, v in fields.items() if v}
        param = flat.get("param")
        if param is None:
            raise PushRejected("push has no param field", status=400, carrier=_CARRIER)
        if not verify_push(param, self._salt, flat.get("sign")):
            raise PushRejected("missing or wrong kuaidi100 push sign", status=401, carrier=_CARRIER)
        return param, flat

    def _tracking(self, push: InboundPush) -> PushOutcome:
        param, _ = self._form(push)
        try:
            body = json.loads(param)
            status = str(body["status"])
            last = body.get("lastResult") or {}
            if not isinstance(last, Mapping):
                raise ValueError("lastResult is not an object")
            number = str(last.get("nu") or "")
            if not number:
                raise ValueError("lastResult has no number (nu)")
            events = parse_result(last, number)
        except (ValueError, KeyError, TypeError) as e:
            raise PushRejected(f"malformed kuaidi100 push: {e}", status=400, carrier=_CARRIER) from None
        resubscribe = (number,) if status == "abort" else ()
        return PushOutcome(events=events, ack_body=ACK_BODY, resubscribe=resubscribe)

    def _order(self, push: InboundPush) -> PushOutcome:
        param, _ = self._form(push)
        try:
            body = json.loads(param)
            data = body.get("data")
            data = {} if data is None else data
            if not isinstance(data, Mapping):
                raise ValueError("data is not an object")
            code = str(body.get("status", data.get("status", ""))).strip()
            status = codes.order_status_for(code)
            number = str(body.get("kuaidinum") or "")
            updated = data.get("updateTime")
            when = beijing_time(updated) if isinstance(updated, str) and updated else self._now()
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
        return PushOutcome(events=events, ack_body=ACK_BODY)
