"""SF's raw codes in one place: route opCodes → normalized statuses, and error codes → typed failures.

Route opCodes (`routes[].opCode`, `WaybillRoute.opCode`) are not published as a complete list; the table below
is the commonly observed set collected in carriers.md (unofficial). Decisions:

- 50/54 (收件/上门收件) → picked_up; 30, 31, 36, 3036 (分拣, 到达, 发车, 装车) → in_transit.
- 123/130 (正送往/到达 顺丰店/站) → in_transit: the parcel is moving towards the delivering station, not yet
  waiting there for the citizen; 607 (代理点/自提点 代收) → available_for_pickup.
- 44 (派件中) → out_for_delivery; 70 (派件不成功) → delivery_failed; 33 (异常/滞留) → exception.
- 80 (已签收) and 8000 (签收人信息, sent after 80) → delivered.
- 99 and 648 (应客户要求转寄 / 转寄新单号) → in_transit: a forward keeps the parcel moving to a (new) address.
  648 is sometimes worded "退回/转寄"; a real return to the hall ends with 631.
- 631 (退回件已签收 / 退回) → returned.
- Any other code → in_transit, with the raw code and text kept on the event (`status_for` never raises): SF
  adds codes without notice, and a scan we do not know is far more likely movement than an end state.
  `is_known` tells the two apart for monitoring.

Error codes come at two levels (see `wire`): the gateway's `apiResultCode` (A1xxx) and the business
`apiResultData.errorCode` (4-digit). `classify` maps both onto `couriers.errors`. The gateway's "try again"
answers — A1005 rate limited, A1007 repeated requestID, A1009 downstream failed, A1099 system busy/error — are
`RetryableError`; 8016 (duplicate orderId) is `DuplicateOrderError`, which `book` resolves by looking the
order up, so it never reaches a caller. Unknown gateway codes are
retryable (the gateway speaks for the platform, not for our input); unknown business codes are rejections
(SF refused this particular request). 1010–1016 (寄/到件 address, contact, phone empty) come from SF's older
BSP code list and are an assumption for the JSON API.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    "ALREADY_CANCELLED",
    "ALREADY_CONFIRMED",
    "API_OK",
    "BATCH_TOO_LARGE",
    "BUSINESS_ERRORS",
    "DUPLICATE_ORDER",
    "GATEWAY_ERRORS",
    "ORDER_NOT_FOUND",
    "OUTSIDE_PICKUP_HOURS",
    "PICKUP_CODES",
    "STATUS_BY_OPCODE",
    "classify",
    "is_known",
    "status_for",
]

# -- route opCodes ----------------------------------------------------------------------------------------

STATUS_BY_OPCODE: Mapping[str, Status] = MappingProxyType(
    {
        "50": Status.PICKED_UP,  # 顺丰速运 已收取快件
        "54": Status.PICKED_UP,  # 上门收件
        "30": Status.IN_TRANSIT,  # 快件在【…】完成分拣,准备发往【…】
        "31": Status.IN_TRANSIT,  # 快件到达【…】
        "36": Status.IN_TRANSIT,  # 快件已发车
        "3036": Status.IN_TRANSIT,  # 快件已装车
        "123": Status.IN_TRANSIT,  # 快件正送往顺丰店/站
        "130": Status.IN_TRANSIT,  # 快件到达顺丰店/站
        "44": Status.OUT_FOR_DELIVERY,  # 快件交给…，正在派送途中
        "70": Status.DELIVERY_FAILED,  # 派件不成功
        "33": Status.EXCEPTION,  # 快件异常 / 滞留
        "80": Status.DELIVERED,  # 已签收
        "8000": Status.DELIVERED,  # 签收人信息 (follows 80)
        "607": Status.AVAILABLE_FOR_PICKUP,  # 代理点/自提点 代收, 待取件
        "99": Status.IN_TRANSIT,  # 应客户要求, 快件正在转寄中
        "648": Status.IN_TRANSIT,  # 快件已转寄, 新单号为…
        "631": Status.RETURNED,  # 退回件已签收
    }
)

#: opCodes meaning the courier has the parcel: after one of these an order can no longer be cancelled.
PICKUP_CODES: frozenset[str] = frozenset({"50", "54"})


def status_for(op_code: str) -> Status:
    """Normalized status of an opCode; unknown codes are `in_transit` (see the module docstring)."""
    return STATUS_BY_OPCODE.get(op_code.strip(), Status.IN_TRANSIT)


def is_known(op_code: str) -> bool:
    return op_code.strip() in STATUS_BY_OPCODE


# -- error codes -------------------------------------------------------------------------------------------

API_OK = "A1000"

GATEWAY_ERRORS: Mapping[str, tuple[type[CourierError], str]] = MappingProxyType(
    {
        "A1001": (RejectedError, "required parameter missing or invalid"),
        "A1002": (ConfigurationError, "access token expired or invalid"),
        "A1003": (ConfigurationError, "caller IP not allowed"),
        "A1004": (ConfigurationError, "no permission for this service"),
        "A1005": (RetryableError, "rate limited"),
        "A1006": (ConfigurationError, "signature (msgDigest) invalid"),
        # A repeated requestID, not a repeated order: every attempt is signed with a fresh requestID, so
        # sending again is safe (a duplicate *order* is business code 8016, resolved by looking it up).
        "A1007": (RetryableError, "duplicate request (requestID already used)"),
        "A1009": (RetryableError, "downstream service failed"),
        "A1099": (RetryableError, "system error"),
    }
)

DUPLICATE_ORDER = "8016"
ORDER_NOT_FOUND = "8018"
ALREADY_CANCELLED = "8037"
ALREADY_CONFIRMED = "8252"
OUTSIDE_PICKUP_HOURS = "8096"
BATCH_TOO_LARGE = "8003"

BUSINESS_ERRORS: Mapping[str, tuple[type[CourierError], str]] = MappingProxyType(
    {
        DUPLICATE_ORDER: (DuplicateOrderError, "order id already used"),
        ORDER_NOT_FOUND: (RejectedError, "order not found"),
        "8247": (RejectedError, "waybill number invalid"),
        "8119": (ConfigurationError, "monthly card invalid"),
        BATCH_TOO_LARGE: (RejectedError, "too many tracking numbers in one query"),
        ALREADY_CANCELLED: (RejectedError, "order already cancelled"),
        ALREADY_CONFIRMED: (RejectedError, "order already confirmed (picked up); it cannot be cancelled"),
        OUTSIDE_PICKUP_HOURS: (RejectedError, "pickup time outside business hours"),
        "1010": (RejectedError, "sender address is empty"),
        "1011": (RejectedError, "sender contact is empty"),
        "1012": (RejectedError, "sender phone is empty"),
        "1014": (RejectedError, "recipient address is empty"),
        "1015": (RejectedError, "recipient contact is empty"),
        "1016": (RejectedError, "recipient phone is empty"),
    }
)


def classify(code: str, message: str, *, carrier: str, operation: str) -> CourierError:
    """The typed error for an SF error code (gateway A1xxx or business), with the raw code kept.

    `message` is SF's own `apiErrorMsg`/`errorMsg`; it never contains our credentials.
    """
    code = code.strip()
    if code in GATEWAY_ERRORS:
        kind, meaning = GATEWAY_ERRORS[code]
    elif code in BUSINESS_ERRORS:
        kind, meaning = BUSINESS_ERRORS[code]
    elif code.upper().startswith("A"):
        kind, meaning = RetryableError, "unknown gateway error"
    else:
        kind, meaning = RejectedError, "request refused"
    detail = f": {message}" if message else ""
    return kind(f"SF {operation} failed with {code} ({meaning}){detail}", carrier=carrier, raw_code=code)
