"""Every Kuaidi100 code in one place: tracking states, order-callback statuses and API return codes.

Tracking states (`state`, and with `resultv2=1` the detailed per-event `statusCode`) come from Kuaidi100's
published state table: 0 在途, 1 揽收 (101 已下单, 102 待揽收, 103 已揽收), 2 疑难 (201-210),
3 签收 (301-304), 4 退签 (401 已销单), 5 派件 (501 投柜或驿站), 6 退回, 7 转投,
8 清关 (10 待清关, 11 清关中, 12 已清关, 13 清关异常), 14 拒签. The detailed in-transit codes
1001 (到达派件城市), 1002 (干线) and 1003 (转递) are recalled from the resultv2 documentation, not
re-checked; they are in-transit scans whatever their exact wording. A sub-code missing from the table falls
back to its state group (`status_for`, `state_group`): "211" is 疑难, "1004" 在途.

Choices where the state table is ambiguous for a certificate that must come back to the hall:
- 14 拒签 (recipient refused) is `returning`, not `returned`: the parcel is still on its way back; 4 退签
  (signed back in by the sender) is the terminal `returned`.
- 401 已销单 (waybill cancelled by the carrier, listed under 4) is `cancelled`: nothing was delivered
  or returned.
- 203 拒收, 204 派件异常 and 206 无法联系 are failed attempts (`delivery_failed`); the rest of 2xx is
  `exception`.

Border (商家寄件) order-callback statuses live in their own namespace: their numbers collide with tracking
states (10, 13, 14 …), so their events carry the raw code `order:<status>`. 15 已结算 and 155 修改重量 are
billing notices, not parcel movements: they map to `None` and produce no event.

API return codes are not all published (see each table); unknown codes are treated as retryable.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from couriers.errors import ConfigurationError, CourierError, RejectedError, RetryableError
from couriers.status import Status

__all__ = [
    "BORDER_ERRORS",
    "ORDER_CODE_PREFIX",
    "ORDER_STATUS",
    "ORDER_TEXT",
    "PRE_PICKUP_STATES",
    "QUERY_EMPTY",
    "QUERY_ERRORS",
    "STATE_LABELS",
    "STATE_STATUS",
    "SUBSCRIBE_ERRORS",
    "SUBSCRIBE_OK",
    "TERMINAL_STATES",
    "error_for",
    "order_raw_code",
    "order_status_for",
    "state_group",
    "status_for",
]

STATE_STATUS: Mapping[str, Status] = MappingProxyType(
    {
        # 0 在途 and its resultv2 sub-codes
        "0": Status.IN_TRANSIT,
        "1001": Status.IN_TRANSIT,  # 到达派件城市
        "1002": Status.IN_TRANSIT,  # 干线
        "1003": Status.IN_TRANSIT,  # 转递
        # 1 揽收
        "1": Status.PICKED_UP,
        "101": Status.INFO_RECEIVED,  # 已下单
        "102": Status.INFO_RECEIVED,  # 待揽收
        "103": Status.PICKED_UP,  # 已揽收
        # 2 疑难
        "2": Status.EXCEPTION,
        "201": Status.EXCEPTION,  # 超时未签收
        "202": Status.EXCEPTION,  # 超时未更新
        "203": Status.DELIVERY_FAILED,  # 拒收
        "204": Status.DELIVERY_FAILED,  # 派件异常
        "205": Status.EXCEPTION,  # 柜或驿站超时未取
        "206": Status.DELIVERY_FAILED,  # 无法联系
        "207": Status.EXCEPTION,  # 超区
        "208": Status.EXCEPTION,  # 滞留
        "209": Status.EXCEPTION,  # 破损
        "210": Status.EXCEPTION,  # 销单
        # 3 签收
        "3": Status.DELIVERED,
        "301": Status.DELIVERED,  # 本人签收
        "302": Status.DELIVERED,  # 派件异常后签收
        "303": Status.DELIVERED,  # 代签
        "304": Status.DELIVERED,  # 投柜或站签收
        # 4 退签
        "4": Status.RETURNED,
        "401": Status.CANCELLED,  # 已销单
        "14": Status.RETURNING,  # 拒签
        # 5 派件
        "5": Status.OUT_FOR_DELIVERY,
        "501": Status.AVAILABLE_FOR_PICKUP,  # 投柜或驿站
        # 6 退回, 7 转投
        "6": Status.RETURNING,
        "7": Status.IN_TRANSIT,
        # 8 清关
        "8": Status.IN_TRANSIT,
        "10": Status.IN_TRANSIT,  # 待清关
        "11": Status.IN_TRANSIT,  # 清关中
        "12": Status.IN_TRANSIT,  # 已清关
        "13": Status.EXCEPTION,  # 清关异常
    }
)

#: The Chinese label Kuaidi100 puts in each event's `status` field, by top-level state.
STATE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "0": "在途",
        "1": "揽收",
        "2": "疑难",
        "3": "签收",
        "4": "退签",
        "5": "派件",
        "6": "退回",
        "7": "转投",
        "8": "清关",
        "10": "待清关",
        "11": "清关中",
        "12": "已清关",
        "13": "清关异常",
        "14": "拒签",
    }
)
_LABEL_CODES = {label: code for code, label in STATE_LABELS.items()} | {"转单": "7", "收件人拒签": "14"}

#: States before the courier has the parcel (a booking can still be cancelled).
PRE_PICKUP_STATES = frozenset({"101", "102"})
#: States after which Kuaidi100 stops monitoring (`shutdown`).
TERMINAL_STATES = frozenset({"3", "301", "302", "303", "304", "4", "401"})


def status_for(code: str) -> Status:
    """Normalized status of a tracking state / statusCode: the code itself, else its state group.

    Kuaidi100 adds detailed sub-codes without notice; an unknown one (say "211" or "1004") still belongs to
    a known group ("2" 疑难, "0" 在途), which says far more than "unknown". `KeyError` only when neither the
    code nor its group is a state (callers then fall back to the event's label or the result's `state`).
    """
    known = STATE_STATUS.get(code)
    if known is not None:
        return known
    return STATE_STATUS[state_group(code)]


def state_group(code: str) -> str:
    """The top-level state a detailed statusCode belongs to ("103" → "1", "1002" → "0", "14" → "14").

    Three digits: the first digit ("211" → "2"). Four digits: "10xx" are the sub-states of 0 在途, "11xx" …
    "14xx" those of the two-digit states 11 … 14. Anything else is its own group.
    """
    code = code.strip()
    if not code.isdigit():
        return code
    if len(code) == 3 and code[0] in "12345678":
        return code[0]
    if len(code) == 4:
        if code.startswith("10"):
            return "0"
        if code[:2] in ("11", "12", "13", "14"):
            return code[:2]
    return code


def code_for_label(label: str) -> str | None:
    """The state code of an event's Chinese `status` label (used when an event has no `statusCode`)."""
    return _LABEL_CODES.get(label.strip())


# -- border (商家寄件) order callbacks -----------------------------------------------------------------

ORDER_CODE_PREFIX = "order:"

#: Order-callback status → normalized status; None: a billing notice that is acknowledged but not an event.
ORDER_STATUS: Mapping[str, Status | None] = MappingProxyType(
    {
        "0": Status.INFO_RECEIVED,  # 下单成功
        "610": Status.EXCEPTION,  # 下单失败: a clerk must re-book
        "1": Status.INFO_RECEIVED,  # 已接单 (courier assigned)
        "2": Status.INFO_RECEIVED,  # 收件中 (courier on the way)
        "10": Status.PICKED_UP,  # 已取件
        "11": Status.EXCEPTION,  # 揽货失败
        "101": Status.IN_TRANSIT,  # 运输中
        "12": Status.RETURNED,  # 已退回
        "13": Status.DELIVERED,  # 已签收
        "14": Status.EXCEPTION,  # 异常
        "15": None,  # 已结算
        "155": None,  # 修改重量
        "9": Status.CANCELLED,  # 用户主动取消
        "99": Status.CANCELLED,  # 快递公司取消
    }
)

ORDER_TEXT: Mapping[str, str] = MappingProxyType(
    {
        "0": "下单成功",
        "610": "下单失败",
        "1": "已接单",
        "2": "收件中",
        "10": "已取件",
        "11": "揽货失败",
        "101": "运输中",
        "12": "已退回",
        "13": "已签收",
        "14": "异常",
        "15": "已结算",
        "155": "修改重量",
        "9": "用户主动取消",
        "99": "订单已取消",
    }
)


def order_status_for(code: str) -> Status | None:
    """Normalized status of an order-callback status (None for billing notices); `KeyError` if unknown."""
    return ORDER_STATUS[code]


def order_raw_code(code: str) -> str:
    """The raw code an order-callback event carries: `order:<status>`, apart from tracking states."""
    return ORDER_CODE_PREFIX + code


# -- API return codes --------------------------------------------------------------------------------------

#: Real-time query (poll/query.do) `returnCode`s that mean "no timeline": 500 查询无结果 (also the simulator's
#: answer to a number queried twice within 30 minutes) and 408 phone tail does not match (SF / ZTO).
QUERY_EMPTY = frozenset({"500", "408"})

#: Real-time query `returnCode` → error type. 400 数据不完整/未授权, 501 服务器错误, 502 服务器繁忙,
#: 503 验证签名失败, 601 KEY已过期/余额不足.
QUERY_ERRORS: Mapping[str, type[CourierError]] = MappingProxyType(
    {
        "400": ConfigurationError,
        "501": RetryableError,
        "502": RetryableError,
        "503": ConfigurationError,
        "601": ConfigurationError,
    }
)

#: Subscribe (poll) `returnCode`s that mean "monitoring": 200 提交成功, 501 重复订阅.
SUBSCRIBE_OK = frozenset({"200", "501"})

#: Subscribe `returnCode` → error type. 600 非法订阅者 (key), 601 KEY已过期,
#: 700 数据错误 (number, callback URL), 701 拒绝订阅的快递公司, 702 识别不到快递公司, 500 服务器错误.
SUBSCRIBE_ERRORS: Mapping[str, type[CourierError]] = MappingProxyType(
    {
        "500": RetryableError,
        "600": ConfigurationError,
        "601": ConfigurationError,
        "700": RejectedError,
        "701": RejectedError,
        "702": RejectedError,
    }
)

#: Border `returnCode` → error type. The public pages show only 200; we assume the query family's codes:
#: 400 bad or missing parameter (an address, a time slot), 503 bad signature, 601 unknown / expired key,
#: 500-502 server trouble or busy (also the simulator's rate-limit answer).
BORDER_ERRORS: Mapping[str, type[CourierError]] = MappingProxyType(
    {
        "400": RejectedError,
        "500": RetryableError,
        "501": RetryableError,
        "502": RetryableError,
        "503": ConfigurationError,
        "601": ConfigurationError,
    }
)


def error_for(
    table: Mapping[str, type[CourierError]], code: str, message: str, *, operation: str
) -> CourierError:
    """The typed error for a failed call; unknown codes are retryable (a carrier hiccup, not our input)."""
    cls = table.get(code, RetryableError)
    return cls(f"kuaidi100 {operation} failed: {code} {message}".strip(), carrier="kuaidi100", raw_code=code)
