"""Real-time query (实时查询, poll/query.do): the request form, and reading a result into events.

A result — the query answer, and the `lastResult` of a push — is `{message, nu, ischeck, com, status, state,
data: [{time, ftime, context, areaName, status, statusCode}]}` with `data` newest first. With `resultv2=1`
(always sent) each event has its detailed `statusCode`; an event without one falls back to its Chinese
`status` label, then to the result's `state`. Times are Beijing time without a zone and become UTC.

Failure answers are `{result: false, returnCode, message}`; see `codes.QUERY_ERRORS` / `codes.QUERY_EMPTY`.
Kuaidi100 locks a number queried more often than every 30 minutes; the adapter never does that (it answers
from memory, see `courier`), and the public pages don't give the lock's answer: the simulator answers 500
(查询无结果, 请隔段时间再查), which reads as an empty timeline rather than starting a retry storm against a
lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from couriers.errors import RetryableError
from couriers.events import TrackingEvent
from couriers.kuaidi100 import codes
from couriers.kuaidi100.signing import encode_param, query_sign
from couriers.status import Status
from couriers.wire_common import load_json
from couriers.wire_common import parse_beijing as beijing_time

__all__ = ["QueryAnswer", "beijing_time", "parse_query_answer", "parse_result", "query_form"]


def query_form(*, customer: str, key: str, com: str, number: str, phone: str = "") -> dict[str, str]:
    """The form of one real-time query (one number per call)."""
    param: dict[str, str] = {"com": com, "num": number}
    if phone:
        param["phone"] = phone
    param["resultv2"] = "1"
    text = encode_param(param)
    return {"customer": customer, "sign": query_sign(text, key, customer), "param": text}


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
        code, status = _event_code(item, fallback)
        when = item.get("ftime") or item.get("time")
        if not isinstance(when, str):
            raise ValueError("event has no time")
        events.append(
            TrackingEvent(
                tracking_number=nu,
                time=beijing_time(when),
                status=status,
                raw_code=code,
                description=str(item.get("context", "")).strip(),
                location=str(item.get("areaName") or item.get("location") or "").strip(),
            )
        )
    events.sort(key=lambda e: e.time)
    return events


def _event_code(item: Mapping[str, Any], fallback: str) -> tuple[str, Status]:
    """The event's raw code and status: its statusCode (or that code's state group), else its Chinese
    label, else the result's `state`. The raw code is the statusCode as sent whenever there is one."""
    code = str(item.get("statusCode") or "").strip()
    candidates = [code, codes.code_for_label(str(item.get("status") or "")), fallback]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            status = codes.status_for(candidate)
        except KeyError:
            continue
        return code or candidate, status
    raise ValueError(f"event has no known state (statusCode {code[:20]!r})")


class QueryAnswer:
    """A decoded query answer: the events, or `empty_code` when Kuaidi100 had none (500 / 408)."""

    def __init__(self, events: list[TrackingEvent], empty_code: str = "", message: str = "") -> None:
        self.events = events
        self.empty_code = empty_code
        self.message = message


def parse_query_answer(body: bytes, number: str) -> QueryAnswer:
    """Decode a poll/query.do answer; raise the typed error of a failure code."""
    try:
        answer = load_json(body)
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
