"""Merchant send (商家寄件, border API): booking a pickup (`bOrder`), asking for it (`detail`), cancelling it.

Every call is a form `method, key, t, param, sign` with `sign = UPPER(MD5(param + t + key + secret))`.

bOrder `param`: kuaidicom, recMan{Name,Mobile,PrintAddr}, sendMan{Name,Mobile,PrintAddr}, callBackUrl, cargo,
weight, salt (signs the order callbacks), dayType (今天/明天/后天), pickupStartTime/pickupEndTime (HH:mm,
Beijing time; required for SF, sent always), thirdOrderId (our order id: a repeat within 48 hours returns
the first order, which is how a retry or a second replica never books twice), op=1 with pollCallBackUrl
(Kuaidi100 subscribes the waybill to tracking pushes by itself).

Answer `{result, returnCode, message, data{kuaidinum, orderId, taskId}}`. `kuaidinum` comes back at once for
the direct-order carriers; for asynchronous ones (e.g. Yunda) it is assigned later, and `detail` (`{taskId}`,
answering `data{kuaidinum, status, …}`) shows it once it exists — see `courier` for how a booking waits for
it. taskId and orderId are kept in `Booking.raw` for `cancel`.

cancel `param`: {taskId, orderId, cancelMsg}. Cancelling an order that is already cancelled answers 200
(the simulator does so; we assume the carrier does too); after pickup the answer is a 400 → `RejectedError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from couriers.contract import Address, PickupRequest
from couriers.errors import RejectedError, RetryableError
from couriers.kuaidi100 import codes
from couriers.kuaidi100.signing import border_sign, encode_param
from couriers.wire_common import BEIJING, load_json

__all__ = ["DAY_TYPES", "border_form", "cancel_param", "order_param", "parse_border_answer", "print_address"]

DAY_TYPES = ("今天", "明天", "后天")
_CARRIER = "kuaidi100"


def border_form(method: str, param: Mapping[str, Any], *, key: str, secret: str, t_ms: int) -> dict[str, str]:
    text = encode_param(dict(param))
    t = str(t_ms)
    return {"method": method, "key": key, "t": t, "param": text, "sign": border_sign(text, t, key, secret)}


def print_address(address: Address) -> str:
    """The one-line address Kuaidi100 prints: province, city, county and street, without repeats."""
    parts: list[str] = []
    for part in (address.province, address.city, address.county, address.address):
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    return "".join(parts)


def order_param(
    request: PickupRequest,
    *,
    com: str,
    salt: str,
    callback_url: str,
    now: datetime,
) -> dict[str, str]:
    """The bOrder param for `request`; `RejectedError` for a window Kuaidi100 cannot book."""
    start = request.window_start.astimezone(BEIJING)
    end = request.window_end.astimezone(BEIJING)
    days = (start.date() - now.astimezone(BEIJING).date()).days
    if not 0 <= days < len(DAY_TYPES):
        raise RejectedError(
            f"kuaidi100 books pickups today, tomorrow or the day after, not {start.date().isoformat()}",
            carrier=_CARRIER,
            raw_code="DAY_TYPE",
        )
    if end <= start:
        raise RejectedError("the pickup window ends before it starts", carrier=_CARRIER, raw_code="WINDOW")
    end_text = "23:59" if end.date() > start.date() else end.strftime("%H:%M")
    return {
        "kuaidicom": com,
        "recManName": request.recipient.name,
        "recManMobile": request.recipient.phone,
        "recManPrintAddr": print_address(request.recipient),
        "sendManName": request.sender.name,
        "sendManMobile": request.sender.phone,
        "sendManPrintAddr": print_address(request.sender),
        "callBackUrl": callback_url + "/order",
        "cargo": request.description,
        "weight": f"{request.weight_kg:g}",
        "remark": "",
        "salt": salt,
        "dayType": DAY_TYPES[days],
        "pickupStartTime": start.strftime("%H:%M"),
        "pickupEndTime": end_text,
        "thirdOrderId": request.order_id,
        "op": "1",
        "pollCallBackUrl": callback_url,
        "resultv2": "1",
    }


def cancel_param(task_id: str, order_id: str, message: str = "证照寄递取消") -> dict[str, str]:
    return {"taskId": task_id, "orderId": order_id, "cancelMsg": message}


def parse_border_answer(body: bytes, *, operation: str) -> Mapping[str, Any]:
    """The `data` of a successful border answer; the typed error of a failed one."""
    try:
        answer = load_json(body)
    except ValueError:
        raise RetryableError(
            f"kuaidi100 {operation} answered something that is not JSON", carrier=_CARRIER
        ) from None
    if not isinstance(answer, Mapping):
        raise RetryableError(f"kuaidi100 {operation} answered an unexpected JSON value", carrier=_CARRIER)
    code = str(answer.get("returnCode", ""))
    if answer.get("result") is True and code in ("200", ""):
        data = answer.get("data") or {}
        return data if isinstance(data, Mapping) else {}
    raise codes.error_for(codes.BORDER_ERRORS, code, str(answer.get("message", "")), operation=operation)
