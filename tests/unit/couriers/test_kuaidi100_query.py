"""The real-time query envelope: the signed form, result decoding and the returnCode mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from couriers.errors import ConfigurationError, RetryableError
from couriers.kuaidi100.query import beijing_time, parse_query_answer, parse_result, query_form
from couriers.kuaidi100.signing import query_sign
from couriers.status import Status


def test_query_form_signs_the_param_it_sends() -> None:
    fields = query_form(customer="CUST", key="KEY", com="zhongtong", number="78001", phone="1234")
    assert fields["param"] == '{"com":"zhongtong","num":"78001","phone":"1234","resultv2":"1"}'
    assert fields["sign"] == query_sign(fields["param"], "KEY", "CUST")
    assert fields["customer"] == "CUST"


def test_query_form_without_phone_leaves_it_out() -> None:
    fields = query_form(customer="C", key="K", com="yuantong", number="YT1")
    assert json.loads(fields["param"]) == {"com": "yuantong", "num": "YT1", "resultv2": "1"}


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-02 08:00:00", datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        ("2026-03-02 07:59", datetime(2026, 3, 1, 23, 59, tzinfo=UTC)),
        (" 2026-01-01 00:00:01 ", datetime(2025, 12, 31, 16, 0, 1, tzinfo=UTC)),
    ],
)
def test_beijing_time(text: str, utc: datetime) -> None:
    assert beijing_time(text) == utc


@pytest.mark.parametrize("text", ["", "2026/03/02 08:00:00", "yesterday", "2026-13-02 08:00:00"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match="not a Beijing time"):
        beijing_time(text)


ANSWER = {
    "message": "ok",
    "nu": "78001",
    "ischeck": "0",
    "com": "zhongtong",
    "status": "200",
    "state": "501",
    "data": [
        {"time": "2026-03-04 10:00:00", "ftime": "2026-03-04 10:00:00", "context": "已放入驿站",
         "areaName": "北京,北京市", "status": "派件", "statusCode": "501"},
        {"time": "2026-03-02 11:30:00", "ftime": "2026-03-02 11:30:00", "context": "已揽收",
         "areaName": "", "status": "揽收", "statusCode": "103"},
    ],
}  # fmt: skip


def test_answer_is_read_oldest_first() -> None:
    answer = parse_query_answer(json.dumps(ANSWER, ensure_ascii=False).encode(), "78001")
    assert [(e.raw_code, e.status) for e in answer.events] == [
        ("103", Status.PICKED_UP),
        ("501", Status.AVAILABLE_FOR_PICKUP),
    ]
    assert answer.events[1].location == "北京,北京市"
    assert not answer.empty_code


def test_event_falls_back_to_the_result_state() -> None:
    [event] = parse_result(
        {"nu": "1", "state": "6", "data": [{"time": "2026-03-02 11:30:00", "context": "x"}]}
    )
    assert (event.raw_code, event.status) == ("6", Status.RETURNING)


@pytest.mark.parametrize(
    ("item", "raw", "status"),
    [
        ({"statusCode": "211", "status": "疑难"}, "211", Status.EXCEPTION),  # group 2
        ({"statusCode": "1004", "status": "在途"}, "1004", Status.IN_TRANSIT),  # group 0
        ({"statusCode": "999", "status": "派件"}, "999", Status.OUT_FOR_DELIVERY),  # by its label
        ({"statusCode": "999", "status": "火星"}, "999", Status.RETURNING),  # by the result's state 6
    ],
)
def test_an_unknown_status_code_is_kept_raw_and_mapped_by_its_group(
    item: dict[str, str], raw: str, status: Status
) -> None:
    event_item = {"time": "2026-03-02 11:30:00", "context": "x", **item}
    [event] = parse_result({"nu": "1", "state": "6", "data": [event_item]})
    assert (event.raw_code, event.status) == (raw, status)


def test_answer_without_data_is_an_empty_timeline() -> None:
    assert parse_query_answer(b'{"message":"ok","nu":"1","state":"0","status":"200"}', "1").events == []


@pytest.mark.parametrize("code", ["500", "408"])
def test_no_result_and_phone_mismatch_are_empty(code: str) -> None:
    answer = parse_query_answer(
        json.dumps({"result": False, "returnCode": code, "message": "m"}).encode(), "1"
    )
    assert answer.events == []
    assert answer.empty_code == code


@pytest.mark.parametrize(
    ("code", "error"),
    [("400", ConfigurationError), ("501", RetryableError), ("502", RetryableError),
     ("503", ConfigurationError), ("601", ConfigurationError), ("999", RetryableError)],
)  # fmt: skip
def test_failure_codes(code: str, error: type[Exception]) -> None:
    with pytest.raises(error) as e:
        parse_query_answer(json.dumps({"result": False, "returnCode": code, "message": "m"}).encode(), "1")
    assert e.value.raw_code == code  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [b"<html>busy</html>", b"[1]", b'{"nu":"1","data":[{"time":"2026-03-02 11:30:00","statusCode":"42"}]}'],
)
def test_garbage_is_retryable(body: bytes) -> None:
    with pytest.raises(RetryableError):
        parse_query_answer(body, "1")
