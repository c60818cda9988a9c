"""A local Kuaidi100: real-time query, subscription with pushes, and the border (商家寄件) API in one app.

Endpoints (the production paths, so only the host changes):
- `POST /poll/query.do` — real-time query. Checks customer and `sign = UPPER(MD5(param + key + customer))`,
  one number per call, the phone tail for SF / ZTO (408), and locks a number asked again within 30 minutes
  of virtual time (answered 500 查询无结果 — the real lock's answer is not public; see
  `couriers.kuaidi100.query`).
- `POST /poll` — subscribe (`schema=json`, key inside param): 200, 501 already subscribed, 600 wrong key,
  700 bad data, 701 unsupported carrier.
- `POST /order/borderapi.do` (also `/apiMock/border`, the sandbox path) — methods bOrder, cancel and detail,
  signed `UPPER(MD5(param + t + key + secret))`: 601 unknown key, 503 bad sign, 400 bad input. A thirdOrderId
  seen within 48 hours answers the first order again. `op=1` subscribes the new waybill to `pollCallBackUrl`.
  With `number_delay` set, bOrder answers without `kuaidinum` and `detail` (by taskId) reveals it later.

Every endpoint has its own token bucket of `rate_per_second` (10 by default, our assumption: Kuaidi100
publishes no figure); past it the query and border APIs answer 502 服务器繁忙 and subscribe 500.

Pushes follow the parcel's scripted timeline: a tracking push carries the whole timeline so far in
`lastResult` (newest first), `status` shutdown once signed for; an order callback carries the newest order
status derived from the timeline (0 下单成功, 1 已接单, 10 已取件, 101 运输中, 13 已签收, 12 已退回,
9 on cancel) — when several happened between two rounds only the newest is sent. A subscription whose
number has no record for 3 days, or no change for 60, gets one `abort` push and is dropped once it is
acknowledged.

Credentials: Kuaidi100 publishes no test account, so the defaults below are the simulator's own; point the
adapter at it with `adapter_config(base_url)`.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from couriers.kuaidi100.codes import (
    ORDER_TEXT,
    PRE_PICKUP_STATES,
    STATE_LABELS,
    STATE_STATUS,
    TERMINAL_STATES,
    state_group,
)
from couriers.kuaidi100.signing import border_sign, encode_param, push_sign, query_sign
from couriers.simulators.common import (
    DeliveredPush,
    OutboundPush,
    SimClock,
    SimParcel,
    Simulator,
    Step,
    Subscription,
    TokenBucket,
)
from couriers.wire_common import ack_fields, dump_json, load_json
from couriers.wire_common import format_beijing as _bj

__all__ = [
    "DEFAULT_CUSTOMER",
    "DEFAULT_KEY",
    "DEFAULT_SALT",
    "DEFAULT_SECRET",
    "Kuaidi100Simulator",
]

log = logging.getLogger(__name__)

DEFAULT_CUSTOMER = "K100SIMCUSTOMER00000000000000000"
DEFAULT_KEY = "k100SimKey"
DEFAULT_SECRET = "k100-sim-secret-0000000000000000"
#: The salt `adapter_config` suggests; the simulator itself signs with whatever salt each request gave.
DEFAULT_SALT = "k100-sim-salt"

#: Carriers the simulator books and tracks, with the look of their waybill numbers.
NUMBER_PREFIX: Mapping[str, str] = {
    "zhongtong": "78",
    "yuantong": "YT",
    "yunda": "43",
    "shentong": "77",
    "jtexpress": "JT",
    "shunfeng": "SF",
    "jd": "JDVA",
    "ems": "98",
}
#: Carriers whose queries need the sender's or recipient's phone (last four digits are enough).
PHONE_REQUIRED = frozenset({"shunfeng", "zhongtong"})
DAY_TYPES = ("今天", "明天", "后天")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _answer(body: Mapping[str, Any]) -> web.Response:
    return web.json_response(dict(body), dumps=dump_json)


def _fail(code: str, message: str) -> web.Response:
    return _answer({"result": False, "returnCode": code, "message": message})


class Kuaidi100Simulator(Simulator):
    """Kuaidi100's query, subscription and border APIs over one aiohttp app; see the module docstring."""

    code = "kuaidi100"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        push_interval: float = 1.0,
        customer: str = DEFAULT_CUSTOMER,
        key: str = DEFAULT_KEY,
        secret: str = DEFAULT_SECRET,
        rate_per_second: float = 10.0,
        lock_interval: timedelta = timedelta(minutes=30),
        repeat_window: timedelta = timedelta(hours=48),
        push_url: str = "",
    ) -> None:
        """`push_url`: the service's `/webhooks/kuaidi100` URL, which `adapter_config` suggests as
        `callback_url` (pushes themselves go wherever each subscription and order asked)."""
        super().__init__(clock=clock, push_interval=push_interval)
        self.push_url = push_url
        self.customer = customer
        self.key = key
        self.secret = secret
        self.lock_interval = lock_interval
        self.repeat_window = repeat_window
        self.buckets = {name: TokenBucket(rate_per_second) for name in ("query", "poll", "border")}
        self.last_query: dict[str, datetime] = {}
        #: How long after bOrder the carrier assigns the waybill number (0: in the bOrder answer itself, as
        #: the direct-order carriers do; otherwise bOrder answers without `kuaidinum` and `detail` shows it
        #: once this much virtual time has passed — the asynchronous carriers, e.g. Yunda).
        self.number_delay = timedelta()
        #: Border order callbacks by waybill number (`pushed` counts order statuses sent).
        self.order_callbacks: dict[str, Subscription] = {}
        self._by_task: dict[str, SimParcel] = {}
        self._abort_bodies: set[bytes] = set()
        self._number_base = random.SystemRandom().randrange(10**11, 9 * 10**11)

    def adapter_config(
        self, base_url: str, *, salt: str = DEFAULT_SALT, callback_url: str = ""
    ) -> dict[str, str]:
        """The `[couriers.kuaidi100]` settings that point the adapter at this simulator at `base_url`."""
        base = base_url.rstrip("/")
        config = {
            "query_url": f"{base}/poll/query.do",
            "poll_url": f"{base}/poll",
            "border_url": f"{base}/order/borderapi.do",
            "customer": self.customer,
            "key": self.key,
            "secret": self.secret,
            "salt": salt,
            "com": "zhongtong",
        }
        if callback_url or self.push_url:
            config["callback_url"] = callback_url or self.push_url
        return config

    # -- protocol -----------------------------------------------------------------------------------------

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.post("/poll/query.do", self._guarded(self._query)),
            web.post("/poll", self._guarded(self._subscribe)),
            web.post("/order/borderapi.do", self._guarded(self._border)),
            web.post("/apiMock/border", self._guarded(self._border)),
        ]

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except Exception:  # the carrier answers its own error, never a traceback
                log.exception("kuaidi100 simulator: %s failed", request.path)
                return _fail("500", "服务器错误")

        return guarded

    async def _form(self, request: web.Request) -> dict[str, str] | None:
        try:
            form = await request.post()
        except Exception:
            return None
        return {k: v for k, v in form.items() if isinstance(v, str)}

    async def _query(self, request: web.Request) -> web.Response:
        self.calls["query"] += 1
        if not self.buckets["query"].take():
            return _fail("502", "服务器繁忙，请稍后再试")
        form = await self._form(request)
        if form is None or not all(form.get(k) for k in ("customer", "sign", "param")):
            return _fail("400", "提交的数据不完整")
        if form["customer"] != self.customer:
            return _fail("601", "POLL:KEY已过期或账号不存在")
        if form["sign"] != query_sign(form["param"], self.key, self.customer):
            return _fail("503", "验证签名失败")
        param = _json_object(form["param"])
        if param is None or not param.get("com") or not param.get("num") or len(str(param["num"])) > 32:
            return _fail("400", "提交的数据不完整")
        com, number = str(param["com"]), str(param["num"])
        parcel = self.parcels.get(number)
        if parcel is None or parcel.extra.get("com") != com:
            return _fail("500", "查询无结果，请隔段时间再查")
        phone = str(param.get("phone") or "")
        if com in PHONE_REQUIRED and not _phone_matches(phone, parcel):
            return _fail("408", "快递公司参数异常：验证码错误")
        now = self.clock.now()
        last = self.last_query.get(number)
        if last is not None and now - last < self.lock_interval:
            return _fail("500", "查询无结果，请隔段时间再查（同一单号30分钟内请勿重复查询）")
        self.last_query[number] = now
        happened = parcel.happened(now)
        if not happened:
            return _fail("500", "查询无结果，请隔段时间再查")
        return _answer(self._result_body(parcel, happened))

    async def _subscribe(self, request: web.Request) -> web.Response:
        self.calls["subscribe"] += 1
        if not self.buckets["poll"].take():
            return _fail("500", "服务器错误")
        form = await self._form(request)
        if form is None or form.get("schema", "json") != "json" or not form.get("param"):
            return _fail("700", "订阅数据错误")
        param = _json_object(form["param"])
        if param is None:
            return _fail("700", "订阅数据错误")
        if param.get("key") != self.key:
            return _fail("600", "您不是合法的订阅者（即授权Key出错）")
        parameters = param.get("parameters")
        if not isinstance(parameters, Mapping):
            return _fail("700", "订阅数据错误：缺少parameters")
        company, number = str(param.get("company") or ""), str(param.get("number") or "")
        callback = str(parameters.get("callbackurl") or "")
        if not company or not number or len(number) > 32 or not _is_http(callback):
            return _fail("700", "订阅数据错误：单号、快递公司或回调地址有误")
        if company not in NUMBER_PREFIX:
            return _fail("701", "拒绝订阅的快递公司")
        fresh = self.subscribe(
            number,
            callback,
            salt=str(parameters.get("salt") or ""),
            phone=str(parameters.get("phone") or ""),
            com=company,
            subscribed_at=self.clock.now(),
        )
        if not fresh:
            return _fail("501", "POLL:重复订阅")
        return _answer({"result": True, "returnCode": "200", "message": "提交成功"})

    async def _border(self, request: web.Request) -> web.Response:
        if not self.buckets["border"].take():
            self.calls["border"] += 1
            return _fail("502", "服务器繁忙，请稍后再试")
        form = await self._form(request)
        method = (form or {}).get("method", "")
        self.calls[method if method in ("bOrder", "cancel", "detail") else "border"] += 1
        if form is None or not all(form.get(k) for k in ("method", "key", "t", "param", "sign")):
            return _fail("400", "提交的数据不完整")
        if form["key"] != self.key:
            return _fail("601", "key不存在或已过期")
        if form["sign"] != border_sign(form["param"], form["t"], self.key, self.secret):
            return _fail("503", "验证签名失败")
        param = _json_object(form["param"])
        if param is None:
            return _fail("400", "param不是合法的JSON")
        if method == "bOrder":
            return self._b_order(param)
        if method == "cancel":
            return self._b_cancel(param)
        if method == "detail":
            return self._b_detail(param)
        return _fail("400", f"不支持的method：{method}")

    def _b_order(self, p: Mapping[str, Any]) -> web.Response:
        now = self.clock.now()
        third = str(p.get("thirdOrderId") or "")
        existing = self.orders.get(third) if third else None
        if existing is not None and now - existing.booked_at < self.repeat_window:
            return _answer(existing.extra["answer"])
        for name in (
            "kuaidicom",
            "recManName",
            "recManMobile",
            "recManPrintAddr",
            "sendManName",
            "sendManMobile",
            "sendManPrintAddr",
            "callBackUrl",
        ):
            if not str(p.get(name) or "").strip():
                return _fail("400", f"{name}不能为空")
        com = str(p["kuaidicom"])
        if com not in NUMBER_PREFIX:
            return _fail("400", f"暂不支持该快递公司：{com}")
        if not _is_http(str(p["callBackUrl"])):
            return _fail("400", "callBackUrl不合法")
        day_type = str(p.get("dayType") or "")
        if day_type and day_type not in DAY_TYPES:
            return _fail("400", "dayType只能是今天/明天/后天")
        for name in ("pickupStartTime", "pickupEndTime"):
            value = str(p.get(name) or "")
            if (value or com == "shunfeng") and not _is_hhmm(value):
                return _fail("400", f"{name}格式应为HH:mm")
        if str(p.get("op") or "0") == "1" and not _is_http(str(p.get("pollCallBackUrl") or "")):
            return _fail("400", "开启订阅时pollCallBackUrl必填")
        serial = self.next_serial()
        order_id = third or f"K100SIM{serial:08d}"
        number = f"{NUMBER_PREFIX[com]}{self._number_base + serial:013d}"
        task_id = uuid.uuid4().hex.upper()
        kd_order_id = str(20_000_000 + serial)
        answer = {
            "result": True,
            "returnCode": "200",
            "message": "提交成功",
            "data": {
                "kuaidinum": "" if self.number_delay else number,
                "orderId": kd_order_id,
                "taskId": task_id,
            },
        }
        parcel = SimParcel(
            order_id=order_id,
            tracking_number=number,
            booked_at=now,
            script=self.script_for(order_id),
            phone=str(p["recManMobile"]),
            request=dict(p),
            extra={
                "com": com,
                "task_id": task_id,
                "kd_order_id": kd_order_id,
                "answer": answer,
                "sender_phone": str(p["sendManMobile"]),
            },
        )
        self.add_parcel(parcel)
        self._by_task[task_id] = parcel
        salt = str(p.get("salt") or "")
        self.order_callbacks[number] = Subscription(
            number, str(p["callBackUrl"]), extra={"salt": salt, "task_id": task_id}
        )
        if str(p.get("op") or "0") == "1":
            self.subscribe(number, str(p["pollCallBackUrl"]), salt=salt, com=com, subscribed_at=now)
        return _answer(answer)

    def _b_cancel(self, p: Mapping[str, Any]) -> web.Response:
        parcel = self._by_task.get(str(p.get("taskId") or ""))
        if parcel is None or parcel.extra["kd_order_id"] != str(p.get("orderId") or ""):
            return _fail("400", "订单不存在")
        if parcel.cancelled_at is not None:
            return _answer({"result": True, "returnCode": "200", "message": "订单已取消"})
        now = self.clock.now()
        if any(step.code not in PRE_PICKUP_STATES for _, step in parcel.happened(now)):
            return _fail("400", "快递员已取件，订单不能取消")
        parcel.cancelled_at = now
        parcel.extra["cancel_msg"] = str(p.get("cancelMsg") or "")
        return _answer({"result": True, "returnCode": "200", "message": "提交成功"})

    def _b_detail(self, p: Mapping[str, Any]) -> web.Response:
        parcel = self._by_task.get(str(p.get("taskId") or ""))
        if parcel is None:
            return _fail("400", "订单不存在")
        now = self.clock.now()
        statuses = self.order_statuses(parcel, now)
        assigned = now >= parcel.booked_at + self.number_delay
        data = {
            "taskId": parcel.extra["task_id"],
            "orderId": parcel.extra["kd_order_id"],
            "kuaidicom": parcel.extra["com"],
            "kuaidinum": parcel.tracking_number if assigned else "",
            "status": statuses[-1][1],
        }
        return _answer({"result": True, "returnCode": "200", "message": "查询成功", "data": data})

    # -- timelines ----------------------------------------------------------------------------------------

    def default_script(self, order_id: str) -> Sequence[Step]:
        """Hangzhou hall → Beijing by ZTO, signed for on the third day, in resultv2 statusCodes."""
        h = timedelta(hours=1)
        return (
            Step(timedelta(), "101", "您的快件已下单，等待快递员揽收", "浙江,杭州市"),
            Step(10 * timedelta(minutes=1), "102", "快递员 张师傅 已接单，正在前往取件", "浙江,杭州市"),
            Step(2 * h, "103", "【杭州市】 【杭州上城】 的 张师傅 已揽收", "浙江,杭州市"),
            Step(5 * h, "0", "【杭州市】 快件离开 【杭州上城】 已发往 【杭州中转部】", "浙江,杭州市"),
            Step(8 * h, "0", "【杭州市】 快件已经到达 【杭州中转部】", "浙江,杭州市"),
            Step(10 * h, "1002", "【杭州市】 快件离开 【杭州中转部】 已发往 【北京】", "浙江,杭州市"),
            Step(40 * h, "1001", "【北京市】 快件已经到达 【北京转运中心】", "北京,北京市"),
            Step(
                46 * h, "0", "【北京市】 快件离开 【北京转运中心】 已发往 【北京朝阳建国路】", "北京,北京市"
            ),
            Step(56 * h, "5", "【北京市】 【北京朝阳建国路】 的 李师傅 正在第1次派件", "北京,北京市,朝阳区"),
            Step(
                60 * h, "301", "【北京市】 快件已签收，签收人：本人，感谢使用中通快递", "北京,北京市,朝阳区"
            ),
        )

    def _result_body(self, parcel: SimParcel, happened: Sequence[tuple[datetime, Step]]) -> dict[str, Any]:
        data = [
            {
                "time": _bj(at),
                "ftime": _bj(at),
                "context": step.text,
                "areaName": step.location,
                "status": STATE_LABELS.get(state_group(step.code), "在途"),
                "statusCode": step.code,
            }
            for at, step in reversed(happened)
        ]
        latest = happened[-1][1].code if happened else "0"
        return {
            "message": "ok",
            "nu": parcel.tracking_number,
            "ischeck": "1" if state_group(latest) == "3" else "0",
            "condition": "F00",
            "com": parcel.extra.get("com", ""),
            "status": "200",
            "state": latest,
            "data": data,
        }

    def order_statuses(self, parcel: SimParcel, now: datetime) -> list[tuple[datetime, str]]:
        """The border order statuses the parcel has gone through by `now`, oldest first."""
        statuses = [(parcel.booked_at, "0")]
        seen = {"0"}
        for at, step in parcel.happened(now):
            status = _order_status_of(step.code)
            if status is not None and status not in seen:
                seen.add(status)
                statuses.append((at, status))
        if parcel.cancelled_at is not None and parcel.cancelled_at <= now:
            statuses.append((parcel.cancelled_at, "9"))
        return statuses

    # -- pushes -------------------------------------------------------------------------------------------

    def encode_push(
        self, subscription: Subscription, events: Sequence[tuple[datetime, Step]]
    ) -> OutboundPush:
        parcel = self.parcels[subscription.tracking_number]
        happened = parcel.happened(self.clock.now())
        status = "shutdown" if happened and happened[-1][1].code in TERMINAL_STATES else "polling"
        return self._tracking_push(subscription, status, "", self._result_body(parcel, happened), len(events))

    def _tracking_push(
        self, sub: Subscription, status: str, message: str, last_result: Mapping[str, Any], count: int
    ) -> OutboundPush:
        param = encode_param(
            {
                "status": status,
                "billstatus": "",
                "message": message,
                "autoCheck": "0",
                "comOld": "",
                "comNew": "",
                "lastResult": last_result,
            }
        )
        salt = str(sub.extra.get("salt") or "")
        fields = {"param": param, "sign": push_sign(param, salt)} if salt else {"param": param}
        return OutboundPush(
            url=sub.callback_url,
            body=urlencode(fields).encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            tracking_number=sub.tracking_number,
            event_count=count,
        )

    def _order_push(self, sub: Subscription, parcel: SimParcel, at: datetime, status: str) -> OutboundPush:
        courier = status in ("1", "2", "10", "101", "13")
        param = encode_param(
            {
                "kuaidicom": parcel.extra["com"],
                "kuaidinum": parcel.tracking_number,
                "status": status,
                "message": ORDER_TEXT[status],
                "data": {
                    "orderId": parcel.extra["kd_order_id"],
                    "status": status,
                    "cancelMsg": parcel.extra.get("cancel_msg", "") if status == "9" else "",
                    "courierName": "张师傅" if courier else "",
                    "courierMobile": "13800000000" if courier else "",
                    "weight": "0.2" if status in ("10", "101", "13") else "",
                    "freight": "",
                    "updateTime": _bj(at),
                },
            }
        )
        salt = str(sub.extra.get("salt") or "")
        fields = {"taskId": str(sub.extra.get("task_id", ""))}
        if salt:
            fields["sign"] = push_sign(param, salt)
        fields["param"] = param
        return OutboundPush(
            url=sub.callback_url,
            body=urlencode(fields).encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            tracking_number=parcel.tracking_number,
            event_count=1,
        )

    def pending_pushes(self) -> list[tuple[Subscription, OutboundPush, int]]:
        """Tracking pushes (base rules), then order callbacks, then abort notices."""
        due = super().pending_pushes()
        now = self.clock.now()
        for sub in self.order_callbacks.values():
            parcel = self.parcels.get(sub.tracking_number)
            if parcel is None:
                continue
            statuses = self.order_statuses(parcel, now)
            if len(statuses) > sub.pushed:
                at, status = statuses[-1]
                due.append((sub, self._order_push(sub, parcel, at, status), len(statuses)))
        for sub in self.subscriptions.values():
            abort = self._abort_push(sub, now)
            if abort is not None:
                self._abort_bodies.add(abort.body)
                due.append((sub, abort, sub.pushed))
        return due

    def _abort_push(self, sub: Subscription, now: datetime) -> OutboundPush | None:
        parcel = self.parcels.get(sub.tracking_number)
        com = str(sub.extra.get("com") or "")
        if parcel is None:
            since = sub.extra.get("subscribed_at")
            if not isinstance(since, datetime) or now - since < timedelta(days=3):
                return None
            empty = {"message": "3天查询无记录", "nu": sub.tracking_number, "ischeck": "0", "com": com,
                     "status": "200", "state": "0", "data": []}  # fmt: skip
            return self._tracking_push(sub, "abort", "3天查询无记录", empty, 0)
        happened = parcel.happened(now)
        if not happened or len(happened) != sub.pushed or happened[-1][1].code in TERMINAL_STATES:
            return None
        if now - happened[-1][0] < timedelta(days=60):
            return None
        return self._tracking_push(sub, "abort", "60天无变化", self._result_body(parcel, happened), 0)

    async def deliver_pushes(self) -> list[DeliveredPush]:
        """Send due pushes; an acknowledged `abort` ends that subscription (Kuaidi100 stops monitoring)."""
        results = await super().deliver_pushes()
        for delivered in results:
            if delivered.push.body in self._abort_bodies and delivered.acknowledged:
                self._abort_bodies.discard(delivered.push.body)
                self.subscriptions.pop(delivered.push.tracking_number, None)
        return results

    def is_acknowledged(self, status: int, body: bytes) -> bool:
        answer = ack_fields(status, body)
        return answer.get("result") is True and answer.get("returnCode") == "200"


def _order_status_of(code: str) -> str | None:
    """The border order status a tracking state implies (None: it implies no new one)."""
    group = state_group(code)
    if code == "102":
        return "1"
    if group == "1" and code not in PRE_PICKUP_STATES:
        return "10"
    if group in ("0", "5", "7", "8") and code in STATE_STATUS:
        return "101"
    if group == "3":
        return "13"
    if code == "4":
        return "12"
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = load_json(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _phone_matches(phone: str, parcel: SimParcel) -> bool:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4:
        return False
    return any(p.endswith(digits) for p in (parcel.phone, str(parcel.extra.get("sender_phone", ""))) if p)


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_hhmm(value: str) -> bool:
    try:
        datetime.strptime(value, "%H:%M")
    except ValueError:
        return False
    return len(value) == 5
