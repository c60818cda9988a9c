"""SF's envelopes: the signed form, the JSON-in-JSON answer, its error codes, Beijing times, route pushes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from couriers.errors import ConfigurationError, DuplicateOrderError, RejectedError, RetryableError
from couriers.sf_express import wire
from couriers.sf_express.signing import msg_digest
from couriers.status import Status


def test_build_form_signs_the_exact_text_sent() -> None:
    form = wire.build_form(
        partner_id="P1",
        check_word="cw",
        service_code=wire.CREATE_ORDER,
        msg_data={"orderId": "证照-1", "n": 1},
        request_id="rid",
        timestamp=1700000000000,
    )
    assert form == {
        "partnerID": "P1",
        "requestID": "rid",
        "serviceCode": "EXP_RECE_CREATE_ORDER",
        "timestamp": "1700000000000",
        "msgDigest": msg_digest('{"orderId":"证照-1","n":1}', "1700000000000", "cw"),
        "msgData": '{"orderId":"证照-1","n":1}',
    }


def test_build_form_makes_fresh_request_ids() -> None:
    first = wire.build_form(partner_id="P", check_word="c", service_code="S", msg_data={})
    second = wire.build_form(partner_id="P", check_word="c", service_code="S", msg_data={})
    assert first["requestID"] != second["requestID"]
    assert first["timestamp"].isdigit()


def _answer(**kwargs: object) -> bytes:
    return json.dumps(wire.response_envelope(**kwargs)).encode()  # type: ignore[arg-type]


def test_success_unwraps_the_nested_msg_data() -> None:
    body = _answer(msg_data={"orderId": "O1", "waybillNoInfoList": [{"waybillNo": "SF1"}]})
    envelope = json.loads(body)
    assert isinstance(envelope["apiResultData"], str), "apiResultData is a JSON string inside JSON"
    assert wire.parse_response(body, operation="op") == {
        "orderId": "O1",
        "waybillNoInfoList": [{"waybillNo": "SF1"}],
    }


def test_success_without_msg_data_is_empty() -> None:
    assert wire.parse_response(_answer(), operation="op") == {}


def test_tolerates_objects_where_strings_are_documented() -> None:
    body = json.dumps(
        {
            "apiResultCode": "A1000",
            "apiResultData": {"success": "true", "errorCode": "S0000", "msgData": '{"a": 1}'},
        }
    ).encode()
    assert wire.parse_response(body, operation="op") == {"a": 1}


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("A1001", RejectedError),
        ("A1002", ConfigurationError),
        ("A1003", ConfigurationError),
        ("A1004", ConfigurationError),
        ("A1005", RetryableError),
        ("A1006", ConfigurationError),
        ("A1007", RetryableError),
        ("A1009", RetryableError),
        ("A1099", RetryableError),
    ],
)
def test_gateway_errors(code: str, kind: type[Exception]) -> None:
    body = _answer(api_code=code, api_message="gateway says no")
    assert json.loads(body)["apiResultData"] is None
    with pytest.raises(kind) as info:
        wire.parse_response(body, operation="EXP_RECE_SEARCH_ROUTES")
    assert info.value.raw_code == code  # type: ignore[attr-defined]
    assert "EXP_RECE_SEARCH_ROUTES" in str(info.value)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("8016", DuplicateOrderError),
        ("8018", RejectedError),
        ("8247", RejectedError),
        ("8119", ConfigurationError),
    ],
)
def test_business_errors(code: str, kind: type[Exception]) -> None:
    body = _answer(success=False, error_code=code, error_message="业务错误")
    with pytest.raises(kind) as info:
        wire.parse_response(body, operation="op")
    assert info.value.raw_code == code  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b"[]",
        b'{"other": 1}',
        b'{"apiResultCode": "A1000", "apiResultData": "{not json"}',
        b'{"apiResultCode": "A1000", "apiResultData": "[1]"}',
    ],
)
def test_garbled_answers_are_retryable(body: bytes) -> None:
    with pytest.raises(RetryableError):
        wire.parse_response(body, operation="op")


def test_beijing_time_round_trip() -> None:
    moment = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert wire.beijing_text(moment) == "2026-03-02 09:30:00"
    parsed = wire.parse_beijing("2026-03-02 09:30:00")
    assert parsed == moment
    assert parsed.tzinfo is UTC


def test_beijing_time_crosses_midnight() -> None:
    assert wire.parse_beijing("2026-03-02 07:59:59") == datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "2026/03/02 09:30", "yesterday", "2026-13-02 09:30:00"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match="not a Beijing time"):
        wire.parse_beijing(text)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        wire.beijing_text(datetime(2026, 3, 2, 9, 30))


ROUTE = {
    "id": "1",
    "mailno": "SF1440000000001",
    "orderid": "O1",
    "acceptTime": "2026-03-02 18:00:00",
    "acceptAddress": "北京市",
    "remark": "已签收,感谢使用顺丰,期待再次为您服务",
    "opCode": "80",
}


def test_push_round_trip() -> None:
    [event] = wire.decode_push(wire.encode_push([ROUTE]))
    assert event.tracking_number == "SF1440000000001"
    assert event.time == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert event.status is Status.DELIVERED
    assert (event.raw_code, event.description, event.location) == ("80", ROUTE["remark"], "北京市")


@pytest.mark.parametrize(
    "document",
    [{"Body": {"WaybillRoute": [ROUTE]}}, {"WaybillRoute": [ROUTE]}, [ROUTE]],
)
def test_push_shapes_accepted(document: object) -> None:
    assert len(wire.decode_push(json.dumps(document).encode())) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"{}",
        b'{"Body": {}}',
        b'{"Body": {"WaybillRoute": {"mailno": "x"}}}',
        json.dumps({"Body": {"WaybillRoute": ["x"]}}).encode(),
        json.dumps({"Body": {"WaybillRoute": [{**ROUTE, "mailno": ""}]}}).encode(),
        json.dumps({"Body": {"WaybillRoute": [{**ROUTE, "opCode": None}]}}).encode(),
        json.dumps({"Body": {"WaybillRoute": [{**ROUTE, "acceptTime": "soon"}]}}).encode(),
    ],
)
def test_malformed_pushes(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"."):
        wire.decode_push(body)


def test_at_most_ten_routes_per_push() -> None:
    wire.encode_push([ROUTE] * 10)
    with pytest.raises(ValueError, match="at most 10"):
        wire.encode_push([ROUTE] * 11)


def test_acknowledgements() -> None:
    assert json.loads(wire.ACK_OK) == {"return_code": "0000", "return_msg": "成功"}
    assert wire.is_acknowledged(200, wire.ACK_OK)
    assert not wire.is_acknowledged(200, wire.ACK_FAILED)
    assert not wire.is_acknowledged(500, wire.ACK_OK)
    assert not wire.is_acknowledged(200, b"OK")
