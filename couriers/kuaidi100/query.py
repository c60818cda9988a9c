"""Real-time query (实时查询, poll/query.do): the request form, and reading a result into events.

A result — the query answer, and the `lastResult` of a push — is `{message, nu, ischeck, com, status, state,
data: [{time, ftime, context, areaName, status, statusCode}]}` with `data` newest first. With `resultv2=1`
(always sent) each event has its detailed `statusCode`; an event without one falls back to its Chinese
`status` label, then to the result's `state`. Times are Beijing time without a zone and become UTC.

Failure answers are `{result: false, returnCode, message}`; see `codes.QUERY_ERRORS` / `codes.QUERY_EMPTY`.
Kuaidi100 locks a number queried more often than every 30 minutes; the adapter never does that (it answers
from a short cache), and the public pages don't give the lock's answer: the simulator answers 500 (查询无结果,
请隔段时间再查), which reads as an empty timeline rather than starting a retry storm against a lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from couriers.errors import RetryableError
from couriers.events import TrackingEvent
from couriers.kuaidi100 import codes
from couriers.kuaidi100.signing import encode_param, query_sign

__all__ = ["BEIJING", "QueryAnswer", "beijing_time", "parse_query_answer", "parse_result", "query_form"]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def query_form(*, customer: str, key: str, com: str, number: str, phone: str = "") -> dict[str, str]:
    """The form of one real-time query (one number per call)."""
    param: dict[str, str] = {"com": com, "num": number}
    if phone:
        param["phone"] = phone
    param["resultv2"] = "1"
    text = encode_param(param)
    return {"customer": customer, "sign": query_sign(text, key, customer), "param": text}


def beijing_time(text: str) -> datetime:
    """`yyyy-MM-dd HH:mm:ss` in Beijing time → aware UTC; `ValueError` otherwise."""
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=BEIJING).astimezone(UTC)
        except ValueError:
            continue
    raise ValueError(f"not a Kuaidi100 time: {text!r}")


def parse_result(result: Mapping[str, Any], number: str = "") -> list[TrackingEvent]:
    """Events of a result, oldest first; `ValueError` when its shape is wrong."""
    nu = str(result.get("nu") or number)
    if not nu:
        raise ValueError("result has no tracking number (nu)")
    data = result.get("data")
    data = [] if data is None else data
    if not isinstance(data, list):
        raise ValueError("result data is not a list")
    fallback = str(result.get("state", "")).strip()
    events = []
    for item in data:
        if not isinstance(item, Mapping):
            raise ValueError("result data item is not an object")
        code = _event_code(item, fallback)
        when = item.get("ftime") or item.get("time")
        if not isinstance(when, str):
            raise ValueError("event has no time")
        events.append(
            TrackingEvent(
                tracking_number=nu,
                time=beijing_time(when),
                status=codes.status_for(code),
                raw_code=code,
                description=str(item.get("context", "")).strip(),
                location=str(item.get("areaName") or item.get("location") or "").strip(),
            )
        )
    events.sort(key=lambda e: e.time)
    return events


def _event_code(item: Mapping[str, Any], fallback: str) -> str:
    code = str(item.get("statusCode") or "").strip()
    if code in codes.STATE_STATUS:
        return code
    label_code = codes.code_for_label(str(item.get("status") or ""))
    if label_code is not None:
        return label_code
    if fallback in codes.STATE_STATUS:
        return fallback
    raise ValueError(f"event has no known state (statusCode {code!r})")


class QueryAnswer:
    """A decoded query answer: the events, or `empty_code` when Kuaidi100 had none (500 / 408)."""

    def __init__(self, events: list[TrackingEvent], empty_code: str = "", message: str = "") -> None:
        self.events = events
        self.empty_code = empty_code
        self.message = message


def parse_query_answer(body: bytes, number: str) -> QueryAnswer:
    """Decode a poll/query.do answer; raise the typed error of a failure code."""
    try:
        answer = json.loads(body)
    except ValueError:
        raise RetryableError(
            "kuaidi100 query answered something that is not JSON", carrier="kuaidi100"
        ) from None
    if not isinstance(answer, Mapping):
        raise RetryableError("kuaidi100 query answered an unexpected JSON value", carrier="kuaidi100")
    if answer.get("result") is False or ("returnCode" in answer and "data" not in answer):
        code = str(answer.get("returnCode", ""))
        message = str(answer.get("message", ""))
        if code in codes.QUERY_EMPTY:
            return QueryAnswer([], code, message)
        raise codes.error_for(codes.QUERY_ERRORS, code, message, operation="query")
    try:
        return QueryAnswer(parse_result(answer, number))
    except (ValueError, KeyError) as e:
        raise RetryableError(f"kuaidi100 query answer is malformed: {e}", carrier="kuaidi100") from None
