"""A local EMS contract API (`/amp-prod-api/f/amp/api/open` and `…/test`), following `couriers.ems.wire`.

It checks every request as EMS would, in this order: form fields present (B00001), rate limit (S00002, a token
bucket of `rate_limit` calls/s), `senderNo` (A00001), `authorization` (A00002), `apiCode` granted (A00004),
`msgType` and `timeStamp` format (B00001), the SM4 payload opens with the customer's sign key (A00003). Then:

- 020003 create: an array of one order; a duplicate `logisticsOrderNo` gets B00002 with the existing waybill
  in `retBody`; missing name / phone / province / city / county / address of either party gets B00003; an
  empty or inverted pickup window B00005.
- 020006 cancel: unknown order B00006, already cancelled B00008, already picked up (opCode 203) B00007.
- 040001 track: exactly one `waybillNo` per call (a list or a comma-separated string gets B00010); unknown
  B00009.
- 040003 subscribe (assumed API): pushes that waybill's traces to `callbackUrl`. With `push_url`, every booked
  parcel is also subscribed there, as when EMS's account manager configures a customer's push address.
- 010004 label: `retBody` is the URL of a PDF (not served).

The timestamp is checked for format only: the simulator's clock is virtual, so a skew check would reject every
request after a test advances it. Step texts and locations may contain ``{origin}``, ``{origin_county}``,
``{destination}`` and ``{destination_county}``, filled from the order's sender and receiver.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from couriers.ems import codes, payload, wire
from couriers.ems.config import RATE_LIMIT_PER_SECOND, TEST_AUTHORIZATION, TEST_SENDER_NO, TEST_SIGN_KEY
from couriers.simulators.common import OutboundPush, SimParcel, Simulator, Step, Subscription, TokenBucket
from couriers.wire_common import ack_fields

__all__ = ["PATHS", "EMSSimulator"]

PATHS = ("/amp-prod-api/f/amp/api/open", "/amp-prod-api/f/amp/api/test")

_FORM_FIELDS = ("senderNo", "apiCode", "authorization", "timeStamp", "logitcsInterface")
_PARTY_FIELDS = ("name", "prov", "city", "county", "address")


class _Refusal(Exception):
    def __init__(self, ret_code: str, body: Any = None) -> None:
        super().__init__(ret_code)
        self.ret_code = ret_code
        self.body = body


class EMSSimulator(Simulator):
    """EMS as a contract customer sees it; credentials default to the documented test placeholders."""

    code = "ems"

    def __init__(
        self,
        *,
        clock: Any = None,
        push_interval: float = 1.0,
        sender_no: str = TEST_SENDER_NO,
        authorization: str = TEST_AUTHORIZATION,
        sign_key: str = TEST_SIGN_KEY,
        push_url: str | None = None,
        rate_limit: float = RATE_LIMIT_PER_SECOND,
    ) -> None:
        super().__init__(clock=clock, push_interval=push_interval)
        payload.decode_key(sign_key)  # fail early on an unusable key
        self.sender_no = sender_no
        self.authorization = authorization
        self.sign_key = sign_key
        self.push_url = push_url
        self._bucket = TokenBucket(rate_limit)
        self._waybill_base = int(uuid.uuid4().int % 10**8) * 1000

    def adapter_config(self, base_url: str) -> dict[str, str]:
        """The `[couriers.ems]` settings that point the adapter at this simulator served at `base_url`."""
        return {
            "base_url": f"{base_url.rstrip('/')}{PATHS[1]}",
            "sender_no": self.sender_no,
            "authorization": self.authorization,
            "sign_key": self.sign_key,
        }

    # -- Simulator -------------------------------------------------------------------------------------------

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post(path, self._handle) for path in PATHS]

    def default_script(self, order_id: str) -> Sequence[Step]:
        h = timedelta(hours=1)
        origin_office = "{origin}{origin_county}揽投部"
        origin_centre = "{origin}邮件处理中心"
        dest_centre = "{destination}邮件处理中心"
        dest_office = "{destination}{destination_county}揽投部"
        return (
            Step(2 * h, "203", f"【{origin_office}】已收寄，揽投员：王师傅，电话：11183", "{origin}"),
            Step(4 * h, "204", f"离开【{origin_office}】，下一站【{origin_centre}】", "{origin}"),
            Step(6 * h, "205", f"到达【{origin_centre}】", "{origin}"),
            Step(8 * h, "204", f"离开【{origin_centre}】，下一站【{dest_centre}】", "{origin}"),
            Step(30 * h, "205", f"到达【{dest_centre}】", "{destination}"),
            Step(33 * h, "204", f"离开【{dest_centre}】，下一站【{dest_office}】", "{destination}"),
            Step(38 * h, "206", f"到达【{dest_office}】", "{destination}"),
            Step(39 * h, "207", f"【{dest_office}】安排投递，投递员：李师傅，电话：11183", "{destination}"),
            Step(42 * h, "208", "已妥投，签收人：本人，感谢使用中国邮政", "{destination}"),
        )

    def encode_push(
        self, subscription: Subscription, events: Sequence[tuple[datetime, Step]]
    ) -> OutboundPush:
        parcel = self.parcels[subscription.tracking_number]
        traces = [self.trace(parcel, when, step) for when, step in events]
        body = wire.encode_push(
            traces,
            sender_no=self.sender_no,
            sign_key=self.sign_key,
            serial_no=uuid.uuid4().hex.upper(),
            now=self.clock.now(),
        )
        return OutboundPush(
            url=subscription.callback_url,
            body=body,
            content_type="application/json",
            tracking_number=parcel.tracking_number,
            event_count=len(traces),
        )

    def is_acknowledged(self, status: int, body: bytes) -> bool:
        return ack_fields(status, body).get("code") == codes.RET_OK

    # -- the protocol ----------------------------------------------------------------------------------------

    def trace(self, parcel: SimParcel, when: datetime, step: Step) -> dict[str, str]:
        """One event as a 040001 / 040002 trace object."""
        fill = _filler(parcel.request)
        location = fill(step.location)
        return {
            "waybillNo": parcel.tracking_number,
            "opTime": wire.format_beijing(when),
            "opCode": step.code,
            "opName": codes.OP_NAMES.get(step.code, ""),
            "opDesc": fill(step.text),
            "opOrgProvName": "",
            "opOrgCity": location,
            "opOrgName": location,
            "operatorName": "",
        }

    async def _handle(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        try:
            fields = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        except Exception:  # not a form at all: answered below as missing fields
            fields = {}
        api_code = fields.get("apiCode", "")
        self.calls[codes.API_NAMES.get(api_code, "unknown")] += 1
        try:
            body = self._dispatch(fields, now)
            answer = wire.encode_envelope(codes.RET_OK, body, now=now, serial_no=uuid.uuid4().hex)
        except _Refusal as refusal:
            answer = wire.encode_envelope(refusal.ret_code, refusal.body, now=now, serial_no=uuid.uuid4().hex)
        return web.Response(body=answer, content_type="application/json", charset="utf-8")

    def _dispatch(self, fields: Mapping[str, str], now: datetime) -> Any:
        if any(not fields.get(name) for name in _FORM_FIELDS):
            raise _Refusal(codes.RET_BAD_PARAMS)
        if not self._bucket.take():
            raise _Refusal(codes.RET_RATE_LIMITED)
        if fields["senderNo"] != self.sender_no:
            raise _Refusal(codes.RET_UNKNOWN_SENDER)
        if fields["authorization"] != self.authorization:
            raise _Refusal(codes.RET_BAD_AUTHORIZATION)
        handler = {
            codes.API_CREATE_ORDER: self._create,
            codes.API_CANCEL_ORDER: self._cancel,
            codes.API_TRACK: self._track,
            codes.API_SUBSCRIBE: self._subscribe,
            codes.API_LABEL: self._label,
        }.get(fields["apiCode"])
        if handler is None:
            raise _Refusal(codes.RET_ACCESS_DENIED)
        if fields.get("msgType", wire.MSG_TYPE) != wire.MSG_TYPE:
            raise _Refusal(codes.RET_BAD_PARAMS)
        try:
            datetime.strptime(fields["timeStamp"], wire.TIME_FORMAT)
        except ValueError:
            raise _Refusal(codes.RET_BAD_PARAMS) from None
        try:
            body = payload.decode(fields["logitcsInterface"], self.sign_key)
        except payload.PayloadError:
            raise _Refusal(codes.RET_BAD_PAYLOAD) from None
        return handler(body, now)

    def _create(self, body: Any, now: datetime) -> Any:
        if not (isinstance(body, list) and len(body) == 1 and isinstance(body[0], dict)):
            raise _Refusal(codes.RET_BAD_PARAMS)
        order = body[0]
        order_no = order.get("logisticsOrderNo")
        if not isinstance(order_no, str) or not order_no.strip():
            raise _Refusal(codes.RET_BAD_PARAMS)
        existing = self.orders.get(order_no)
        if existing is not None:
            raise _Refusal(
                codes.RET_DUPLICATE_ORDER,
                {"logisticsOrderNo": order_no, "waybillNo": existing.tracking_number},
            )
        for key in ("createdTime", "contentsAttribute", "bizProductNo"):
            if order.get(key) in (None, ""):
                raise _Refusal(codes.RET_BAD_PARAMS)
        for role in ("sender", "receiver"):
            party = order.get(role)
            if not isinstance(party, dict):
                raise _Refusal(codes.RET_BAD_ADDRESS)
            if any(not str(party.get(k) or "").strip() for k in _PARTY_FIELDS):
                raise _Refusal(codes.RET_BAD_ADDRESS)
            if not str(party.get("mobile") or party.get("phone") or "").strip():
                raise _Refusal(codes.RET_BAD_ADDRESS)
        try:
            begin = wire.parse_beijing(order.get("pickupPreBeginTime"))
            end = wire.parse_beijing(order.get("pickupPreEndTime"))
        except ValueError:
            raise _Refusal(codes.RET_BAD_PICKUP_WINDOW) from None
        if end <= begin:
            raise _Refusal(codes.RET_BAD_PICKUP_WINDOW)
        waybill = f"11{(self._waybill_base + self.next_serial()) % 10**11:011d}"
        receiver = order["receiver"]
        phone = str(receiver.get("mobile") or receiver.get("phone") or "")
        parcel = SimParcel(
            order_id=order_no,
            tracking_number=waybill,
            booked_at=now,
            script=self.script_for(order_no),
            phone=phone,
            request=order,
        )
        self.add_parcel(parcel)
        if self.push_url:
            self.subscribe(waybill, self.push_url)
        return {"logisticsOrderNo": order_no, "waybillNo": waybill}

    def _cancel(self, body: Any, now: datetime) -> Any:
        if not isinstance(body, dict):
            raise _Refusal(codes.RET_BAD_PARAMS)
        parcel = self.parcels.get(str(body.get("waybillNo") or "")) or self.orders.get(
            str(body.get("logisticsOrderNo") or "")
        )
        if parcel is None:
            raise _Refusal(codes.RET_NO_SUCH_ORDER)
        if parcel.cancelled_at is not None:
            raise _Refusal(codes.RET_ALREADY_CANCELLED)
        if parcel.picked_up(now, codes.PICKUP_OP_CODES):
            raise _Refusal(codes.RET_ALREADY_PICKED_UP)
        parcel.cancelled_at = now
        return {"logisticsOrderNo": parcel.order_id, "waybillNo": parcel.tracking_number}

    def _track(self, body: Any, now: datetime) -> Any:
        if not isinstance(body, dict):
            raise _Refusal(codes.RET_BAD_PARAMS)
        number = body.get("waybillNo")
        if isinstance(number, list) or (isinstance(number, str) and "," in number):
            raise _Refusal(codes.RET_TOO_MANY_WAYBILLS)
        if not isinstance(number, str) or not number.strip():
            raise _Refusal(codes.RET_BAD_PARAMS)
        parcel = self.parcels.get(number.strip())
        if parcel is None:
            raise _Refusal(codes.RET_NO_SUCH_WAYBILL)
        items = [self.trace(parcel, when, step) for when, step in parcel.happened(now)]
        return {"waybillNo": parcel.tracking_number, "responseItems": items}

    def _subscribe(self, body: Any, now: datetime) -> Any:
        if not isinstance(body, dict):
            raise _Refusal(codes.RET_BAD_PARAMS)
        number, url = str(body.get("waybillNo") or ""), str(body.get("callbackUrl") or "")
        if urlsplit(url).scheme not in ("http", "https"):
            raise _Refusal(codes.RET_BAD_PARAMS)
        if number not in self.parcels:
            raise _Refusal(codes.RET_NO_SUCH_WAYBILL)
        self.subscribe(number, url)
        return {"waybillNo": number}

    def _label(self, body: Any, now: datetime) -> Any:
        number = str(body.get("waybillNo") or "") if isinstance(body, dict) else ""
        if number not in self.parcels:
            raise _Refusal(codes.RET_NO_SUCH_WAYBILL)
        return f"https://label.ems.invalid/{number}.pdf"


def _filler(order: Mapping[str, Any]) -> Any:
    sender = order.get("sender")
    receiver = order.get("receiver")
    if not isinstance(sender, dict):
        sender = {}
    if not isinstance(receiver, dict):
        receiver = {}
    values = {
        "{origin}": str(sender.get("city") or "杭州市"),
        "{origin_county}": str(sender.get("county") or ""),
        "{destination}": str(receiver.get("city") or "北京市"),
        "{destination_county}": str(receiver.get("county") or ""),
    }

    def fill(text: str) -> str:
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    return fill
