"""What carriers' wire formats share: Beijing time both ways, compact JSON, JSON that fails cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from couriers.wire_common import (
    BEIJING,
    MAX_JSON_DEPTH,
    ack_fields,
    as_utc,
    dump_json,
    format_beijing,
    load_json,
    parse_beijing,
    utc_now,
)


def test_beijing_is_utc_plus_eight() -> None:
    assert BEIJING.utcoffset(None) == timedelta(hours=8)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-02 08:00:00", datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        ("2026-03-02 08:00:00.5", datetime(2026, 3, 2, 0, 0, 0, 500_000, tzinfo=UTC)),
        (" 2026-03-02 07:59 ", datetime(2026, 3, 1, 23, 59, tzinfo=UTC)),
    ],
)
def test_parse_beijing(text: str, utc: datetime) -> None:
    assert parse_beijing(text) == utc
    assert parse_beijing(text).tzinfo is UTC


@pytest.mark.parametrize("value", ["", "soon", "2026/03/02 08:00:00", "0001-01-01 00:00:00", None, 17, b"x"])
def test_parse_beijing_fails_only_with_value_error(value: object) -> None:
    with pytest.raises(ValueError, match=r"Beijing time|time out of range|expected a time string"):
        parse_beijing(value)


def test_format_beijing() -> None:
    assert format_beijing(datetime(2026, 3, 2, 0, 0, tzinfo=UTC)) == "2026-03-02 08:00:00"
    assert (
        format_beijing(datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=8))))
        == "2026-03-02 08:00:00"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        format_beijing(datetime(2026, 3, 2))


def test_clock_helpers() -> None:
    assert utc_now().tzinfo is UTC
    assert as_utc(datetime(2026, 3, 2, 8, tzinfo=BEIJING), what="x") == datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="the test clock must return timezone-aware"):
        as_utc(datetime(2026, 3, 2), what="the test clock")


def test_dump_json_is_compact_and_keeps_chinese() -> None:
    assert dump_json({"a": [1, "签收"], "b": None}) == '{"a":[1,"签收"],"b":null}'


TOO_DEEP = MAX_JSON_DEPTH + 1


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe", "[" * 100_000, b"{" * 10, "9" * 5000, "[" * TOO_DEEP + "]" * TOO_DEEP,
     '{"a":' * TOO_DEEP + "1" + "}" * TOO_DEEP],
)  # fmt: skip
def test_load_json_fails_only_with_value_error(data: str | bytes) -> None:
    with pytest.raises(ValueError, match=r"not JSON|nested"):
        load_json(data)


def test_load_json_reads_what_carriers_send() -> None:
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert load_json(nested) is not None
    assert load_json(b'{"Body": {"WaybillRoute": [{"opCode": "50"}]}}') == {
        "Body": {"WaybillRoute": [{"opCode": "50"}]}
    }


@pytest.mark.parametrize(
    ("status", "body", "fields"),
    [
        (200, b'{"return_code":"0000"}', {"return_code": "0000"}),
        (500, b'{"return_code":"0000"}', {}),
        (200, b"<html>ok</html>", {}),
        (200, b'["ok"]', {}),
        (200, b"[" * 100_000, {}),
    ],
)
def test_ack_fields(status: int, body: bytes, fields: dict[str, str]) -> None:
    assert ack_fields(status, body) == fields
