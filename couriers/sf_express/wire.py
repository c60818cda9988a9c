"""SF's wire formats: the signed form envelope, the nested `apiResultData` answer and the route push.

Request (every service): `POST <base_url>` form-urlencoded with `partnerID`, `requestID` (a fresh UUID per
attempt: SF refuses a repeated requestID with A1007), `serviceCode`, `timestamp` (ms), `msgDigest` (see
`signing`) and `msgData` (the business JSON as a string, signed exactly as sent).

Answer::

    {"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": "…",
     "apiResultData": "{\"success\":true,\"errorCode\":\"S0000\",\"errorMsg\":null,\"msgData\":{…}}"}

`apiResultData` is a JSON document inside a JSON string. A non-A1000 `apiResultCode` is a gateway failure (no
`apiResultData`); `success: false` with `errorCode` is a business failure. Assumptions (tolerant parsing): a
success `errorCode` is `S0000`, `apiResultData` may also arrive as an object, `msgData` may be null, an object
or a JSON string.

Route push (JSON mode, configured in SF's portal)::

    {"Body": {"WaybillRoute": [{"id": "…", "mailno": "SF…", "orderid": "…",
                                "acceptTime": "2024-05-01 10:00:00", "acceptAddress": "杭州市",
                                "remark": "顺丰速运 已收取快件", "opCode": "50"}]}}

with at most 10 routes per push, acknowledged by `{"return_code":"0000","return_msg":"成功"}`; anything else
(`"1000"` = failure) makes SF resend. Assumption: the `{"Body": {"WaybillRoute": […]}}` wrapper is what SF's
JSON push sends; a bare `{"WaybillRoute": […]}` or a bare list is accepted too. SF signs no pushes.

All SF times are Beijing time (UTC+8) without a zone, `yyyy-MM-dd HH:mm:ss`; they become aware UTC here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from couriers.errors import RetryableError
from couriers.events import TrackingEvent
from couriers.sf_express import codes
from couriers.sf_express.signing import msg_digest
from couriers.wire_common import BEIJING, ack_fields, dump_json, load_json, parse_beijing
from couriers.wire_common import format_beijing as beijing_text

__all__ = [
    "ACK_FAILED",
    "ACK_OK",
    "BEIJING",
    "CARRIER",
    "CREATE_ORDER",
    "PUSH_BATCH_LIMIT",
    "ROUTE_BATCH_LIMIT",
    "SEARCH_ORDER",
    "SEARCH_ROUTES",
    "UPDATE_ORDER",
    "beijing_text",
    "build_form",
    "decode_push",
    "dump_json",
    "encode_push",
    "is_acknowledged",
    "parse_beijing",
    "parse_response",
    "response_envelope",
    "route_event",
]

CARRIER = "sf_express"

CREATE_ORDER = "EXP_RECE_CREATE_ORDER"
UPDATE_ORDER = "EXP_RECE_UPDATE_ORDER"
SEARCH_ORDER = "EXP_RECE_SEARCH_ORDER_RESP"
SEARCH_ROUTES = "EXP_RECE_SEARCH_ROUTES"

#: `trackingNumber` entries SF accepts per EXP_RECE_SEARCH_ROUTES call (more: business error 8003).
ROUTE_BATCH_LIMIT = 10
#: `WaybillRoute` entries SF puts in one push.
PUSH_BATCH_LIMIT = 10

ACK_OK = dump_json({"return_code": "0000", "return_msg": "成功"}).encode("utf-8")
ACK_FAILED = dump_json({"return_code": "1000", "return_msg": "失败"}).encode("utf-8")


def build_form(
    *,
    partner_id: str,
    check_word: str,
    service_code: str,
    msg_data: Mapping[str, Any],
    request_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The signed form fields of one request (a fresh requestID and timestamp unless given)."""
    text = dump_json(msg_data)
    stamp = str(timestamp if timestamp is not None else int(time.time() * 1000))
    return {
        "partnerID": partner_id,
        "requestID": request_id or str(uuid.uuid4()),
        "serviceCode": service_code,
        "timestamp": stamp,
        "msgDigest": msg_digest(text, stamp, check_word),
        "msgData": text,
    }


def response_envelope(
    api_code: str = codes.API_OK,
    *,
    api_message: str = "",
    success: bool = True,
    error_code: str = "S0000",
    error_message: str | None = None,
    msg_data: Any = None,
    response_id: str | None = None,
) -> dict[str, Any]:
    """An SF answer (what the simulator sends); gateway failures carry no `apiResultData`."""
    envelope: dict[str, Any] = {
        "apiResultCode": api_code,
        "apiErrorMsg": api_message,
        "apiResponseID": response_id or uuid.uuid4().hex.upper(),
        "apiResultData": None,
    }
    if api_code == codes.API_OK:
        envelope["apiResultData"] = dump_json(
            {"success": success, "errorCode": error_code, "errorMsg": error_message, "msgData": msg_data}
        )
    return envelope


def parse_response(body: bytes, *, operation: str) -> dict[str, Any]:
    """The business `msgData` of a successful answer; otherwise the typed error of `codes.classify`.

    An answer that is not SF's envelope at all (an HTML error page, a truncated body) is retryable: it is
    what a proxy or an overloaded gateway sends, not a verdict on our request.
    """
    try:
        envelope = load_json(body)
    except ValueError:
        raise RetryableError(
            f"SF answered {operation} with something that is not JSON", carrier=CARRIER
        ) from None
    if not isinstance(envelope, dict) or "apiResultCode" not in envelope:
        raise RetryableError(f"SF answered {operation} without an apiResultCode", carrier=CARRIER)
    api_code = str(envelope.get("apiResultCode") or "")
    if api_code != codes.API_OK:
        raise codes.classify(
            api_code, str(envelope.get("apiErrorMsg") or ""), carrier=CARRIER, operation=operation
        )
    result = _json_object(envelope.get("apiResultData"), "apiResultData", operation)
    success = result.get("success")
    if success is not True and str(success).lower() != "true":
        raise codes.classify(
            str(result.get("errorCode") or ""),
            str(result.get("errorMsg") or ""),
            carrier=CARRIER,
            operation=operation,
        )
    data = result.get("msgData")
    if data is None or data == "":
        return {}
    return _json_object(data, "msgData", operation)


def _json_object(value: Any, name: str, operation: str) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = load_json(value)
        except ValueError:
            raise RetryableError(f"SF {operation}: {name} is not valid JSON", carrier=CARRIER) from None
    if not isinstance(value, dict):
        raise RetryableError(f"SF {operation}: {name} is not a JSON object", carrier=CARRIER)
    return value


def _text(route: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = route.get(name)
        if value is not None and value != "":
            return str(value)
    return ""


def route_event(tracking_number: str, route: Mapping[str, Any]) -> TrackingEvent:
    """One `routes[]` / `WaybillRoute` entry as a normalized event; `ValueError` if it lacks time or code."""
    if not isinstance(route, Mapping):
        raise ValueError("a route is not a JSON object")
    op_code = _text(route, "opCode", "opcode")
    if not op_code:
        raise ValueError("a route has no opCode")
    return TrackingEvent(
        tracking_number=tracking_number,
        time=parse_beijing(_text(route, "acceptTime")),
        status=codes.status_for(op_code),
        raw_code=op_code,
        description=_text(route, "remark"),
        location=_text(route, "acceptAddress"),
    )


def decode_push(body: bytes) -> list[TrackingEvent]:
    """Events of a JSON route push; `ValueError` for anything that is not one."""
    routes: Any = load_json(body)
    if isinstance(routes, dict):
        routes = routes.get("Body", routes)
    if isinstance(routes, dict):
        routes = routes.get("WaybillRoute")
    if not isinstance(routes, list):
        raise ValueError("no WaybillRoute list")
    events = []
    for route in routes:
        if not isinstance(route, dict):
            raise ValueError("a WaybillRoute is not a JSON object")
        number = _text(route, "mailno", "mailNo")
        if not number:
            raise ValueError("a WaybillRoute has no mailno")
        events.append(route_event(number, route))
    return events


def encode_push(routes: Sequence[Mapping[str, Any]]) -> bytes:
    """A JSON route push body (the simulator's side)."""
    if len(routes) > PUSH_BATCH_LIMIT:
        raise ValueError(f"SF pushes at most {PUSH_BATCH_LIMIT} routes at once")
    return dump_json({"Body": {"WaybillRoute": list(routes)}}).encode("utf-8")


def is_acknowledged(status: int, body: bytes) -> bool:
    """Whether a push answer is SF's success acknowledgement (HTTP 200, `return_code` "0000")."""
    return str(ack_fields(status, body).get("return_code")) == "0000"
