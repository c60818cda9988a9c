"""A local SF Express (顺丰 丰桥 `std/service`) that behaves as SF's documentation says.

One endpoint, `POST /std/service`, form-urlencoded. For every request it checks, in this order: the envelope
fields (A1001), the partner (A1004), the `msgDigest` signature (A1006), the rate limit (A1005: a token bucket
of `rate_limit` calls per second of real time, with one call of slack for network jitter), a repeated
requestID (A1007), the service code (A1004) and the msgData JSON (A1001). Then the service itself:

- EXP_RECE_CREATE_ORDER: a used orderId — even a cancelled one — is 8016; a wrong `monthlyCard` 8119; missing
  sender / recipient address, contact or phone 1010–1012 / 1014–1016; with `isDocall` 1, a `sendStartTm`
  outside business hours (09:00–18:00 Beijing, every day: the adapter's assumption too) 8096. A new order gets
  an "SF" + 13-digit waybill number and follows its script (`default_script` unless `script_next` set one).
- EXP_RECE_SEARCH_ORDER_RESP: the order as created, or 8018.
- EXP_RECE_UPDATE_ORDER `dealType` 2: cancels; 8037 when already cancelled, 8252 once picked up (opCode
  50/54), 8018 for an unknown order; other dealTypes are not simulated (A1001).
- EXP_RECE_SEARCH_ROUTES: `trackingType` 1 (waybill) or 2 (orderId), `trackingNumber` a list (or a
  comma-separated string), more than 10 is 8003. Assumption: when `checkPhoneNo` is given and matches the last
  four digits of neither phone, or the number is unknown, SF answers the number with empty `routes`.

Every call is counted in `calls[serviceCode]`. With a `push_url`, every new waybill's routes are pushed there
(SF has no subscription API: the URL is set once in SF's portal), at most 10 `WaybillRoute` per push, until
the receiver answers `{"return_code":"0000", …}`. Malformed input gets SF's codes, never a traceback; an
unexpected failure inside the simulator answers A1099.

Default credentials: the `checkWord` of SF's published signing example; partner ID and monthly card are
placeholders (SF's sandbox ones are issued per developer account).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from couriers.sf_express import codes, wire
from couriers.sf_express.signing import verify_digest
from couriers.simulators.common import (
    OutboundPush,
    SimClock,
    SimParcel,
    Simulator,
    Step,
    Subscription,
    TokenBucket,
)
from couriers.wire_common import load_json

__all__ = [
    "DEFAULT_CHECK_WORD",
    "DEFAULT_MONTHLY_CARD",
    "DEFAULT_PARTNER_ID",
    "SERVICE_PATH",
    "SFExpressSimulator",
]

log = logging.getLogger(__name__)

SERVICE_PATH = "/std/service"
#: Stable across restarts, so the `--push-url` printed by `certpost simulate` stays right.
DEFAULT_WEBHOOK_SECRET = "simulator-webhook-secret-0001"
DEFAULT_PARTNER_ID = "CERTPOST_SBOX"
DEFAULT_CHECK_WORD = "fjcg5PGKaNpPSHFAZ4QsCOkV71R3zVci"
DEFAULT_MONTHLY_CARD = "7551234567"

BUSINESS_HOURS = (9, 18)  # [start, end) hours, Beijing time
_ENVELOPE_FIELDS = ("partnerID", "requestID", "serviceCode", "timestamp", "msgDigest", "msgData")
_REMEMBERED_REQUEST_IDS = 100_000

Answer = dict[str, Any]


class _Refusal(Exception):
    """A business or gateway error answer raised from inside a service handler."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SFExpressSimulator(Simulator):
    code = "sf_express"
    #: SF puts at most 10 `WaybillRoute` in one push.
    push_batch_limit = wire.PUSH_BATCH_LIMIT

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        push_interval: float = 1.0,
        partner_id: str = DEFAULT_PARTNER_ID,
        check_word: str = DEFAULT_CHECK_WORD,
        monthly_card: str = DEFAULT_MONTHLY_CARD,
        push_url: str | None = None,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        rate_limit: float = 30.0,
        batch_limit: int = wire.ROUTE_BATCH_LIMIT,
    ) -> None:
        super().__init__(clock=clock, push_interval=push_interval)
        self.partner_id = partner_id
        self.check_word = check_word
        self.monthly_card = monthly_card
        self.push_url = push_url
        # The secret path segment certpost's webhook expects; SF itself only knows the full push URL.
        self.webhook_secret = webhook_secret
        self.rate_limit = rate_limit
        self.batch_limit = batch_limit
        # One call of slack for network jitter (see the module docstring).
        self._bucket = TokenBucket(rate_limit, rate_limit + 1.0)
        self._request_ids: OrderedDict[str, None] = OrderedDict()
        self._services: Mapping[str, Callable[[Mapping[str, Any]], Any]] = {
            wire.CREATE_ORDER: self._create_order,
            wire.SEARCH_ORDER: self._search_order,
            wire.UPDATE_ORDER: self._update_order,
            wire.SEARCH_ROUTES: self._search_routes,
        }

    # -- HTTP -----------------------------------------------------------------------------------------------

    def adapter_config(self, base_url: str) -> dict[str, Any]:
        """`[couriers.sf_express]` for this simulator (pushes reach certpost if `push_url` has the secret)."""
        return {
            "base_url": base_url.rstrip("/") + SERVICE_PATH,
            "partner_id": self.partner_id,
            "check_word": self.check_word,
            "monthly_card": self.monthly_card,
            "webhook_secret": self.webhook_secret,
        }

    def routes(self) -> list[web.AbstractRouteDef]:
        return [web.post(SERVICE_PATH, self._handle)]

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            form = await request.post()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        except (ValueError, UnicodeDecodeError):
            fields = {}
        return web.json_response(self.handle_form(fields), dumps=wire.dump_json)

    # -- the gateway ----------------------------------------------------------------------------------------

    def handle_form(self, form: Mapping[str, str]) -> Answer:
        """SF's answer to one request's form fields: the protocol without HTTP (unit tests call it)."""
        service = form.get("serviceCode", "") or "unknown"
        self.calls[service] += 1
        missing = [f for f in _ENVELOPE_FIELDS if not form.get(f)]
        if missing:
            return wire.response_envelope("A1001", api_message=f"必传参数不可为空: {', '.join(missing)}")
        if form["partnerID"] != self.partner_id:
            return wire.response_envelope("A1004", api_message="无对应服务权限")
        if not verify_digest(form["msgData"], form["timestamp"], self.check_word, form["msgDigest"]):
            return wire.response_envelope("A1006", api_message="数字签名无效")
        if not self._bucket.take():
            return wire.response_envelope("A1005", api_message="流量受控")
        if form["requestID"] in self._request_ids:
            return wire.response_envelope("A1007", api_message="重复请求")
        self._remember(form["requestID"])
        handler = self._services.get(form["serviceCode"])
        if handler is None:
            return wire.response_envelope("A1004", api_message="无对应服务权限")
        try:
            msg = load_json(form["msgData"])
        except ValueError:
            return wire.response_envelope("A1001", api_message="msgData 不是合法的 JSON")
        if not isinstance(msg, dict):
            return wire.response_envelope("A1001", api_message="msgData 必须是 JSON 对象")
        try:
            data = handler(msg)
        except _Refusal as refusal:
            if refusal.code.startswith("A"):
                return wire.response_envelope(refusal.code, api_message=refusal.message)
            return wire.response_envelope(
                success=False, error_code=refusal.code, error_message=refusal.message
            )
        except Exception:
            log.exception("sf_express simulator: %s failed", form["serviceCode"])
            return wire.response_envelope("A1099", api_message="系统异常")
        return wire.response_envelope(msg_data=data)

    def _remember(self, request_id: str) -> None:
        self._request_ids[request_id] = None
        while len(self._request_ids) > _REMEMBERED_REQUEST_IDS:
            self._request_ids.popitem(last=False)

    # -- services -------------------------------------------------------------------------------------------

    def _create_order(self, msg: Mapping[str, Any]) -> Answer:
        order_id = _required_text(msg, "orderId")
        if order_id in self.orders:
            raise _Refusal(codes.DUPLICATE_ORDER, f"重复下单: {order_id}")
        card = msg.get("monthlyCard")
        if card not in (None, "") and str(card) != self.monthly_card:
            raise _Refusal("8119", "月结卡号不合法")
        contacts = msg.get("contactInfoList")
        if not isinstance(contacts, list):
            raise _Refusal("A1001", "contactInfoList 必须是数组")
        sender = _contact(contacts, 1)
        recipient = _contact(contacts, 2)
        _check_contact(
            sender, ("1010", "寄件地址不能为空"), ("1011", "寄件联系人不能为空"), ("1012", "寄件电话不能为空")
        )
        _check_contact(
            recipient,
            ("1014", "到件地址不能为空"),
            ("1015", "到件联系人不能为空"),
            ("1016", "到件电话不能为空"),
        )
        if str(msg.get("isDocall", "0")) == "1":
            try:
                pickup = wire.parse_beijing(str(msg.get("sendStartTm", "")))
            except ValueError:
                raise _Refusal("A1001", "sendStartTm 格式应为 yyyy-MM-dd HH:mm:ss") from None
            hour = pickup.astimezone(wire.BEIJING).hour
            if not BUSINESS_HOURS[0] <= hour < BUSINESS_HOURS[1]:
                raise _Refusal(codes.OUTSIDE_PICKUP_HOURS, "预约上门时间不在营业时间范围内")
        number = f"SF{1_440_000_000_000 + self.next_serial():013d}"
        parcel = SimParcel(
            order_id=order_id,
            tracking_number=number,
            booked_at=self.clock.now().replace(microsecond=0),
            script=self.script_for(order_id),
            phone=_phone(recipient),
            request=dict(msg),
            extra={"sender_phone": _phone(sender)},
        )
        self.add_parcel(parcel)
        if self.push_url:
            self.subscribe(number, self.push_url)
        return self._order_answer(parcel)

    @staticmethod
    def _order_answer(parcel: SimParcel) -> Answer:
        return {
            "orderId": parcel.order_id,
            "originCode": "571",
            "destCode": "010",
            "filterResult": 2,
            "remark": "",
            "waybillNoInfoList": [{"waybillType": 1, "waybillNo": parcel.tracking_number}],
        }

    def _search_order(self, msg: Mapping[str, Any]) -> Answer:
        parcel = self.orders.get(_required_text(msg, "orderId"))
        if parcel is None:
            raise _Refusal("8018", "未获取到订单信息")
        return self._order_answer(parcel)

    def _update_order(self, msg: Mapping[str, Any]) -> Answer:
        order_id = _required_text(msg, "orderId")
        if str(msg.get("dealType", "")) != "2":
            raise _Refusal("A1001", "the simulator supports dealType 2 (cancel) only")
        parcel = self.orders.get(order_id)
        if parcel is None:
            raise _Refusal("8018", "未获取到订单信息")
        if parcel.cancelled_at is not None:
            raise _Refusal(codes.ALREADY_CANCELLED, "订单已取消")
        now = self.clock.now()
        if parcel.picked_up(now, codes.PICKUP_CODES):
            raise _Refusal(codes.ALREADY_CONFIRMED, "订单已确认, 不能取消")
        parcel.cancelled_at = now
        return {"orderId": order_id, "resStatus": 2}

    def _search_routes(self, msg: Mapping[str, Any]) -> Answer:
        numbers = msg.get("trackingNumber")
        if isinstance(numbers, str):
            numbers = [n.strip() for n in numbers.split(",") if n.strip()]
        if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
            raise _Refusal("A1001", "trackingNumber 不能为空")
        if len(numbers) > self.batch_limit:
            raise _Refusal(codes.BATCH_TOO_LARGE, f"单次查询单号不能超过{self.batch_limit}个")
        by_order = str(msg.get("trackingType", "1")) == "2"
        tail = str(msg.get("checkPhoneNo") or "").strip()
        now = self.clock.now()
        answers = []
        for number in numbers:
            parcel = self.orders.get(number) if by_order else self.parcels.get(number)
            routes: list[Answer] = []
            if parcel is not None and (not tail or tail in _tails(parcel)):
                routes = [_route(when, step) for when, step in parcel.happened(now)]
            answers.append({"mailNo": parcel.tracking_number if parcel else number, "routes": routes})
        return {"routeResps": answers}

    # -- the parcel's life and its pushes -------------------------------------------------------------------

    def default_script(self, order_id: str) -> Sequence[Step]:
        """Hangzhou hall to a Beijing home in a day and a half, in SF's own opCodes."""
        hours = timedelta(hours=1)
        return (
            Step(2 * hours, "50", "顺丰速运 已收取快件", "杭州市"),
            Step(4 * hours, "30", "快件在【杭州上城集散点】完成分拣,准备发往 【杭州萧山中转场】", "杭州市"),
            Step(6 * hours, "31", "快件到达 【杭州萧山中转场】", "杭州市"),
            Step(8 * hours, "3036", "快件在【杭州萧山中转场】完成装车,准备发往 【北京顺义中转场】", "杭州市"),
            Step(20 * hours, "31", "快件到达 【北京顺义中转场】", "北京市"),
            Step(26 * hours, "130", "快件到达 【北京朝阳建国路营业点】", "北京市"),
            Step(27 * hours, "44", "快件交给李师傅，正在派送途中（联系电话：13900001111）", "北京市"),
            Step(29 * hours, "80", "已签收,感谢使用顺丰,期待再次为您服务", "北京市"),
            Step(
                29 * hours + timedelta(minutes=1),
                "8000",
                '在官网"运单资料&签收图",可查看签收人信息',
                "北京市",
            ),
        )

    def encode_push(
        self, subscription: Subscription, events: Sequence[tuple[datetime, Step]]
    ) -> OutboundPush:
        parcel = self.parcels[subscription.tracking_number]
        digits = parcel.tracking_number[2:]
        routes = [
            {
                "id": f"{digits}{subscription.pushed + i:03d}",
                "mailno": parcel.tracking_number,
                "orderid": parcel.order_id,
                **_route(when, step),
            }
            for i, (when, step) in enumerate(events)
        ]
        return OutboundPush(
            url=subscription.callback_url,
            body=wire.encode_push(routes),
            content_type="application/json",
            tracking_number=parcel.tracking_number,
            event_count=len(routes),
        )

    def is_acknowledged(self, status: int, body: bytes) -> bool:
        return wire.is_acknowledged(status, body)


def _route(when: datetime, step: Step) -> Answer:
    return {
        "acceptTime": wire.beijing_text(when),
        "acceptAddress": step.location,
        "remark": step.text,
        "opCode": step.code,
    }


def _required_text(msg: Mapping[str, Any], key: str) -> str:
    value = msg.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _Refusal("A1001", f"{key} 不能为空")
    return value.strip()


def _contact(contacts: list[Any], contact_type: int) -> Mapping[str, Any]:
    for entry in contacts:
        if isinstance(entry, dict) and str(entry.get("contactType")) == str(contact_type):
            return entry
    return {}


def _check_contact(
    contact: Mapping[str, Any], address: tuple[str, str], name: tuple[str, str], phone: tuple[str, str]
) -> None:
    if not str(contact.get("address") or "").strip():
        raise _Refusal(*address)
    if not str(contact.get("contact") or "").strip():
        raise _Refusal(*name)
    if not _phone(contact):
        raise _Refusal(*phone)


def _phone(contact: Mapping[str, Any]) -> str:
    return str(contact.get("mobile") or contact.get("tel") or "").strip()


def _tails(parcel: SimParcel) -> set[str]:
    phones = (parcel.phone, str(parcel.extra.get("sender_phone", "")))
    return {p[-4:] for p in phones if len(p) >= 4}
