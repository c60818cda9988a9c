"""Every EMS code in one place: API codes, answer codes (`retCode`) and operation codes (`opCode`) of traces.

Facts (public clients of the contract API, see carriers.md): apiCode 020003 create order, 020006 cancel,
010004 label, 040001 trace query; pushes arrive with method 040002; `retCode` "00000" is success.

Assumptions (no public table was found; the simulator follows them, the adapter is tolerant):

- **API 040003 subscribes one waybill to trace pushes** at a callback URL. Contract customers may instead have
  the push address set up by their EMS account manager; then `subscribe` is harmless.
- **Answer codes**: `S…` the platform (busy, rate limited, internal error) → `RetryableError`; `A…` access
  (unknown senderNo, wrong authorization, payload does not decrypt, apiCode not granted) →
  `ConfigurationError`; `B…` business (bad parameters, bad address, outside the service area, order not
  found / already picked up) → `RejectedError`, except B00002 (duplicate `logisticsOrderNo`) → duplicate
  order. An unknown code is classified by its first letter; one without a known letter is a `RejectedError`.
- **A duplicate `logisticsOrderNo`** is answered with `success=false`, retCode B00002 and a `retBody` naming
  the existing waybill, which the adapter returns as the booking (so no replica ever books twice).
- **Operation codes** below are the ones commonly seen on EMS traces; 311 (return delivered) is our
  assumption.
  A code not in the table is classified by keywords of its name / description (`status_for`), never dropped;
  转寄 (forwarded to a new address) is in transit, 退回 (sent back) is returning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from couriers.errors import (
    ConfigurationError,
    CourierError,
    DuplicateOrderError,
    RejectedError,
    RetryableError,
)
from couriers.status import Status

__all__ = [
    "API_CANCEL_ORDER",
    "API_CREATE_ORDER",
    "API_LABEL",
    "API_NAMES",
    "API_PUSH",
    "API_SUBSCRIBE",
    "API_TRACK",
    "ERROR_BY_RET_CODE",
    "KEYWORD_STATUSES",
    "OP_NAMES",
    "PICKUP_OP_CODES",
    "RET_ACCESS_DENIED",
    "RET_ALREADY_CANCELLED",
    "RET_ALREADY_PICKED_UP",
    "RET_BAD_ADDRESS",
    "RET_BAD_AUTHORIZATION",
    "RET_BAD_PARAMS",
    "RET_BAD_PAYLOAD",
    "RET_BAD_PICKUP_WINDOW",
    "RET_BUSY",
    "RET_DUPLICATE_ORDER",
    "RET_INTERNAL",
    "RET_MESSAGES",
    "RET_NO_SUCH_ORDER",
    "RET_NO_SUCH_WAYBILL",
    "RET_OK",
    "RET_OUT_OF_AREA",
    "RET_RATE_LIMITED",
    "RET_TOO_MANY_WAYBILLS",
    "RET_UNKNOWN_SENDER",
    "STATUS_BY_OP_CODE",
    "error_class_for",
    "status_for",
]

# -- API codes (apiCode form field; `method` of pushes) ------------------------------------------------------

API_LABEL = "010004"  # 面单查询
API_CREATE_ORDER = "020003"  # 订单接入
API_CANCEL_ORDER = "020006"  # 订单取消
API_TRACK = "040001"  # 运单轨迹信息获取
API_PUSH = "040002"  # 轨迹推送 (method of inbound pushes)
API_SUBSCRIBE = "040003"  # 轨迹订阅 — assumed, see the module docstring

#: Our operation names for each apiCode (transport logs, simulator call counts).
API_NAMES: Mapping[str, str] = MappingProxyType(
    {
        API_LABEL: "label",
        API_CREATE_ORDER: "create_order",
        API_CANCEL_ORDER: "cancel_order",
        API_TRACK: "track",
        API_SUBSCRIBE: "subscribe",
    }
)

# -- answer codes (retCode) ----------------------------------------------------------------------------------

RET_OK = "00000"
RET_BUSY = "S00001"
RET_RATE_LIMITED = "S00002"
RET_INTERNAL = "S00003"
RET_UNKNOWN_SENDER = "A00001"
RET_BAD_AUTHORIZATION = "A00002"
RET_BAD_PAYLOAD = "A00003"
RET_ACCESS_DENIED = "A00004"
RET_BAD_PARAMS = "B00001"
RET_DUPLICATE_ORDER = "B00002"
RET_BAD_ADDRESS = "B00003"
RET_OUT_OF_AREA = "B00004"
RET_BAD_PICKUP_WINDOW = "B00005"
RET_NO_SUCH_ORDER = "B00006"
RET_ALREADY_PICKED_UP = "B00007"
RET_ALREADY_CANCELLED = "B00008"
RET_NO_SUCH_WAYBILL = "B00009"
RET_TOO_MANY_WAYBILLS = "B00010"

RET_MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        RET_OK: "成功",
        RET_BUSY: "系统繁忙，请稍后重试",
        RET_RATE_LIMITED: "接口调用频率超限",
        RET_INTERNAL: "系统内部错误",
        RET_UNKNOWN_SENDER: "协议客户号不存在",
        RET_BAD_AUTHORIZATION: "授权码无效",
        RET_BAD_PAYLOAD: "报文解密失败，请检查签名密钥",
        RET_ACCESS_DENIED: "无此接口权限",
        RET_BAD_PARAMS: "请求参数缺失或格式错误",
        RET_DUPLICATE_ORDER: "物流订单号重复",
        RET_BAD_ADDRESS: "地址信息不完整或无法解析",
        RET_OUT_OF_AREA: "超出揽收或投递范围",
        RET_BAD_PICKUP_WINDOW: "预约揽收时间段不合法",
        RET_NO_SUCH_ORDER: "订单不存在",
        RET_ALREADY_PICKED_UP: "订单已揽收，不能取消",
        RET_ALREADY_CANCELLED: "订单已取消",
        RET_NO_SUCH_WAYBILL: "运单号不存在或暂无轨迹",
        RET_TOO_MANY_WAYBILLS: "每次只能查询一个运单号",
    }
)

#: The typed error each known failure code becomes. Callers handle B00002 / B00008 / B00009 before raising.
ERROR_BY_RET_CODE: Mapping[str, type[CourierError]] = MappingProxyType(
    {
        RET_BUSY: RetryableError,
        RET_RATE_LIMITED: RetryableError,
        RET_INTERNAL: RetryableError,
        RET_UNKNOWN_SENDER: ConfigurationError,
        RET_BAD_AUTHORIZATION: ConfigurationError,
        RET_BAD_PAYLOAD: ConfigurationError,
        RET_ACCESS_DENIED: ConfigurationError,
        RET_BAD_PARAMS: RejectedError,
        RET_DUPLICATE_ORDER: DuplicateOrderError,
        RET_BAD_ADDRESS: RejectedError,
        RET_OUT_OF_AREA: RejectedError,
        RET_BAD_PICKUP_WINDOW: RejectedError,
        RET_NO_SUCH_ORDER: RejectedError,
        RET_ALREADY_PICKED_UP: RejectedError,
        RET_ALREADY_CANCELLED: RejectedError,
        RET_NO_SUCH_WAYBILL: RejectedError,
        RET_TOO_MANY_WAYBILLS: RejectedError,
    }
)

_ERROR_BY_PREFIX: Mapping[str, type[CourierError]] = MappingProxyType(
    {"S": RetryableError, "A": ConfigurationError, "B": RejectedError}
)


def error_class_for(ret_code: str) -> type[CourierError]:
    """The error type of a failure `retCode`: the table, else its first letter, else `RejectedError`."""
    known = ERROR_BY_RET_CODE.get(ret_code)
    if known is not None:
        return known
    return _ERROR_BY_PREFIX.get(ret_code[:1].upper(), RejectedError)


# -- operation codes (opCode of traces) ----------------------------------------------------------------------

OP_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "203": "收寄",
        "204": "离开处理中心",
        "205": "到达处理中心",
        "206": "到达投递机构",
        "207": "安排投递",
        "208": "妥投",
        "209": "未妥投",
        "211": "投递至代收点",
        "306": "退回",
        "310": "转寄退回",
        "311": "退回妥投",
        "704": "异常",
    }
)

STATUS_BY_OP_CODE: Mapping[str, Status] = MappingProxyType(
    {
        "203": Status.PICKED_UP,
        "204": Status.IN_TRANSIT,
        "205": Status.IN_TRANSIT,
        "206": Status.IN_TRANSIT,
        "207": Status.OUT_FOR_DELIVERY,
        "208": Status.DELIVERED,
        "209": Status.DELIVERY_FAILED,
        "211": Status.AVAILABLE_FOR_PICKUP,
        "306": Status.RETURNING,
        "310": Status.RETURNING,
        "311": Status.RETURNED,
        "704": Status.EXCEPTION,
    }
)

#: Codes after which an order can no longer be cancelled (the courier has the parcel).
PICKUP_OP_CODES: frozenset[str] = frozenset({"203"})

#: For codes not in the table: the first group whose keyword occurs in the name or description wins.
KEYWORD_STATUSES: Sequence[tuple[tuple[str, ...], Status]] = (
    (("退回妥投", "退件签收", "已退回寄件人"), Status.RETURNED),
    (("未妥投", "投递失败", "无法投递"), Status.DELIVERY_FAILED),
    (("退回", "退件"), Status.RETURNING),
    # 转寄/改寄: forwarded to a new address at the recipient's request — still moving towards a recipient,
    # not coming back to the hall (a forward *back* says 退回, matched above).
    (("转寄", "改寄"), Status.IN_TRANSIT),
    (("妥投", "签收"), Status.DELIVERED),
    (("代收点", "快递柜", "驿站", "自提", "待取"), Status.AVAILABLE_FOR_PICKUP),
    (("安排投递", "派送", "派件", "投递员"), Status.OUT_FOR_DELIVERY),
    (("收寄", "揽收"), Status.PICKED_UP),
    (("异常", "延误", "破损", "丢失", "扣留"), Status.EXCEPTION),
)


def status_for(op_code: str, text: str = "") -> Status:
    """Normalized status of a trace: by `op_code`, else by keywords in `text`, else in transit."""
    known = STATUS_BY_OP_CODE.get(op_code.strip())
    if known is not None:
        return known
    for keywords, status in KEYWORD_STATUSES:
        if any(k in text for k in keywords):
            return status
    return Status.IN_TRANSIT
