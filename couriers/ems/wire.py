"""The EMS contract API on the wire: request form, answer envelope, traces and pushes — shared by the
adapter and the simulator, so both speak the same bytes.

Facts (carriers.md and public clients): requests are ``application/x-www-form-urlencoded`` POSTs of
`senderNo`, `apiCode`, `authorization`, `msgType` ("0"), `timeStamp` ("yyyy-MM-dd HH:mm:ss", Beijing time) and
`logitcsInterface` (sic; the SM4 payload, see `payload`). Answers are JSON ``{success, retCode, retMsg,
retBody, …}`` whose `retBody` is a JSON *string* (040001: ``{"responseItems": [trace, …]}``; 020003:
``{"waybillNo": …}``). A trace carries `waybillNo`, `opTime` (Beijing time, no zone), `opCode`, `opName`,
`opDesc`, `opOrgProvName`, `opOrgCity`, `opOrgName`, `operatorName`. Pushes (method 040002) are JSON bodies
``{logitcsInterface, method, msgType, senderNo, serialNo, timeStamp, version}`` whose payload decrypts to a
trace; the receiver answers ``{serialNo, code: "00000", codeMessage, senderNo}`` ("S00001" asks for a resend).

Assumptions, where the public facts stop (the simulator follows them; parsing is tolerant):

- A push payload is encrypted exactly like a request (JSON + signKey, SM4, ``|$4|``) with the customer's own
  signKey; that is how a push is authenticated. The decrypted JSON is one trace object, or — when several
  events are due at once — an array of them (also accepted: ``{"responseItems": […]}`` / ``{"traces": […]}``).
- Pushes may arrive form-encoded instead of JSON: the same fields are read from either.
- The ack also carries ``success``/``retCode``/``retMsg`` (the shape of EMS's own answers), so whichever of
  the two shapes EMS checks, it finds success.
- `retBody` may already be a JSON object rather than a string; `opTime` may carry a "T", fractions of a
  second, an explicit offset, or be epoch milliseconds; alternative field names (`mailNo`, `time`, `code`,
  `desc`) are read when the usual ones are missing.
"""

from __future__ import annotations

import contextlib
import math
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from couriers.ems import codes, payload
from couriers.events import TrackingEvent
from couriers.wire_common import BEIJING, BEIJING_FORMATS, format_beijing, load_json

__all__ = [
    "BEIJING",
    "MSG_TYPE",
    "PUSH_VERSION",
    "TIME_FORMAT",
    "Envelope",
    "InboundPushEnvelope",
    "encode_envelope",
    "encode_push",
    "format_beijing",
    "parse_beijing",
    "parse_envelope",
    "push_ack",
    "push_traces",
    "read_push",
    "request_form",
    "trace_event",
    "trace_items",
]

TIME_FORMAT = BEIJING_FORMATS[0]
MSG_TYPE = "0"
PUSH_VERSION = "V1.0.0"


def parse_beijing(value: object) -> datetime:
    """An EMS time as aware UTC: zone-less strings are Beijing time; digits are epoch milliseconds.

    `ValueError` for anything else — including epoch values or dates that no `datetime` can hold (a huge
    number raises `OverflowError` or `OSError` inside `datetime`, which must not escape a push parser).
    """
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _from_epoch_ms(value)
        if not isinstance(value, str) or not value.strip():
            raise ValueError("not a time")
        text = value.strip()
        if text.isdigit():
            return _from_epoch_ms(int(text))
        moment = datetime.fromisoformat(text.replace("/", "-"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"not an EMS time: {str(value)[:40]!r}") from None


def _from_epoch_ms(value: float) -> datetime:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return datetime.fromtimestamp(value / 1000, UTC)


# -- requests and answers ------------------------------------------------------------------------------------


def request_form(
    api_code: str,
    body: Any,
    *,
    sender_no: str,
    authorization: str,
    sign_key: str,
    now: datetime,
) -> dict[str, str]:
    """The form fields of one API call carrying `body` (serialized and encrypted here)."""
    return {
        "senderNo": sender_no,
        "apiCode": api_code,
        "authorization": authorization,
        "msgType": MSG_TYPE,
        "timeStamp": format_beijing(now),
        "logitcsInterface": payload.encode(body, sign_key),
    }


@dataclass(frozen=True, slots=True)
class Envelope:
    """An EMS answer; `body` is `retBody` parsed (JSON string decoded, else as sent)."""

    success: bool
    ret_code: str
    ret_msg: str
    body: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.success and self.ret_code in ("", codes.RET_OK)


def parse_envelope(data: bytes) -> Envelope:
    """Read an answer; `ValueError` when it is not an EMS envelope at all."""
    try:
        raw = load_json(data.decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError included
        raise ValueError(f"answer is not UTF-8 JSON: {e}") from None
    if not isinstance(raw, dict) or not ({"success", "retCode"} & raw.keys()):
        raise ValueError("answer has neither success nor retCode")
    ret_code = str(raw.get("retCode") or "").strip()
    success = raw.get("success")
    if isinstance(success, str):
        success = success.strip().lower() == "true"
    if success is None:
        success = ret_code == codes.RET_OK
    body = raw.get("retBody")
    if isinstance(body, str) and body.strip()[:1] in ("{", "["):
        # A plain string (e.g. a label URL) stays as it is.
        with contextlib.suppress(ValueError):
            body = load_json(body)
    return Envelope(bool(success), ret_code, str(raw.get("retMsg") or ""), body, raw)


def encode_envelope(ret_code: str, body: Any = None, *, now: datetime, serial_no: str = "") -> bytes:
    """An answer as EMS sends it (the simulator's side): `retBody` is a JSON string, or a plain string."""
    ok = ret_code == codes.RET_OK
    ret_body: Any = None
    if body is not None:
        ret_body = body if isinstance(body, str) else payload.dumps(body)
    message = {
        "success": ok,
        "retCode": ret_code,
        "retMsg": codes.RET_MESSAGES.get(ret_code, ""),
        "retBody": ret_body,
        "retDate": format_beijing(now),
        "serialNo": serial_no,
    }
    return payload.dumps(message).encode("utf-8")


# -- traces --------------------------------------------------------------------------------------------------


def _text(item: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = item.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def trace_items(body: Any) -> list[Any]:
    """The trace objects in a `retBody` or decrypted push: a list, one object, or a list under a known key."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("responseItems", "traces", "traceList", "items"):
            inner = body.get(key)
            if isinstance(inner, list):
                return inner
        if "opCode" in body or "opTime" in body:
            return [body]
        return []
    if body is None or body == "":
        return []
    raise ValueError("traces must be a JSON object or array")


def trace_event(item: object, tracking_number: str = "") -> TrackingEvent:
    """One trace as a normalized event; `ValueError` when it has no usable time or number."""
    if not isinstance(item, dict):
        raise ValueError("a trace must be a JSON object")
    number = _text(item, "waybillNo", "mailNo", "mailno") or tracking_number
    if not number:
        raise ValueError("trace has no waybillNo")
    when = parse_beijing(item.get("opTime", item.get("time")))
    op_code = _text(item, "opCode", "code")
    op_name = _text(item, "opName")
    description = _text(item, "opDesc", "desc", "remark") or op_name or codes.OP_NAMES.get(op_code, "")
    return TrackingEvent(
        tracking_number=number,
        time=when,
        status=codes.status_for(op_code, f"{op_name} {description}"),
        raw_code=op_code,
        description=description,
        location=_text(item, "opOrgCity", "opOrgName", "opOrgProvName"),
    )


# -- pushes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboundPushEnvelope:
    """The outer, unencrypted fields of a push."""

    token: str
    serial_no: str = ""
    sender_no: str = ""
    method: str = ""
    time_stamp: str = ""


def encode_push(
    traces: Sequence[Mapping[str, Any]], *, sender_no: str, sign_key: str, serial_no: str, now: datetime
) -> bytes:
    """A push body (the simulator's side): one trace as an object, several as an array."""
    inner: Any = dict(traces[0]) if len(traces) == 1 else [dict(t) for t in traces]
    message = {
        "logitcsInterface": payload.encode(inner, sign_key),
        "method": codes.API_PUSH,
        "msgType": MSG_TYPE,
        "senderNo": sender_no,
        "serialNo": serial_no,
        "timeStamp": format_beijing(now),
        "version": PUSH_VERSION,
    }
    return payload.dumps(message).encode("utf-8")


def read_push(body: bytes, content_type: str = "") -> InboundPushEnvelope:
    """The outer fields of a push body (JSON, or form-encoded); `ValueError` when it is not a push."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("push body is not UTF-8") from None
    fields: Mapping[str, Any]
    if "form" in content_type.lower() or (text[:1] not in ("{", "[") and "=" in text):
        fields = {k: v[-1] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
    else:
        try:
            parsed = load_json(text)
        except ValueError:
            raise ValueError("push body is neither JSON nor a form") from None
        if not isinstance(parsed, dict):
            raise ValueError("push body must be a JSON object")
        fields = parsed
    token = fields.get("logitcsInterface")
    if not isinstance(token, str) or not token.startswith(payload.PREFIX):
        raise ValueError("push has no |$4| logitcsInterface")

    def text_field(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value).strip()

    return InboundPushEnvelope(
        token=token,
        serial_no=text_field("serialNo"),
        sender_no=text_field("senderNo"),
        method=text_field("method"),
        time_stamp=text_field("timeStamp"),
    )


def push_traces(decrypted: Any) -> list[TrackingEvent]:
    """The events of a decrypted push payload; `ValueError` when it holds no usable trace."""
    items = trace_items(decrypted)
    if not items:
        raise ValueError("push carries no trace")
    return [trace_event(item) for item in items]


def push_ack(serial_no: str, sender_no: str) -> bytes:
    """The receiver's answer to a push it accepted."""
    message = {
        "serialNo": serial_no,
        "code": codes.RET_OK,
        "codeMessage": codes.RET_MESSAGES[codes.RET_OK],
        "senderNo": sender_no,
        "success": True,
        "retCode": codes.RET_OK,
        "retMsg": codes.RET_MESSAGES[codes.RET_OK],
    }
    return payload.dumps(message).encode("utf-8")
