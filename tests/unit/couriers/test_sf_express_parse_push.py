"""SF route pushes: the secret path authenticates (SF signs nothing), the body parses, the ack is exact."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from couriers.contract import InboundPush
from couriers.errors import PushRejected
from couriers.sf_express import SFExpressCourier
from couriers.status import Status

SECRET = "push-secret-0123456789"
COURIER = SFExpressCourier.from_config(
    {"partner_id": "P1", "check_word": "check-word", "webhook_secret": SECRET}
)

ROUTES = [
    {
        "id": "10001",
        "mailno": "SF1440000000001",
        "orderid": "CT0001",
        "acceptTime": "2026-03-02 10:00:00",
        "acceptAddress": "杭州市",
        "remark": "顺丰速运 已收取快件",
        "opCode": "50",
    },
    {
        "id": "10002",
        "mailno": "SF1440000000002",
        "orderid": "CT0002",
        "acceptTime": "2026-03-02 11:00:00",
        "acceptAddress": "北京市",
        "remark": "快件交给李师傅，正在派送途中",
        "opCode": "44",
    },
]
BODY = json.dumps({"Body": {"WaybillRoute": ROUTES}}, ensure_ascii=False).encode()


def _push(tail: str = "/" + SECRET, body: bytes = BODY) -> InboundPush:
    return InboundPush(path_tail=tail, headers={}, body=body, content_type="application/json")


def test_good_push() -> None:
    outcome = COURIER.parse_push(_push())
    assert [(e.tracking_number, e.status, e.raw_code) for e in outcome.events] == [
        ("SF1440000000001", Status.PICKED_UP, "50"),
        ("SF1440000000002", Status.OUT_FOR_DELIVERY, "44"),
    ]
    assert json.loads(outcome.ack_body) == {"return_code": "0000", "return_msg": "成功"}
    assert outcome.ack_status == 200
    assert outcome.ack_content_type == "application/json"
    assert all(e.time.utcoffset() == timedelta(0) for e in outcome.events)


@pytest.mark.parametrize(
    "tail", ["", "/", "/wrong-secret-0123456789", "/" + SECRET + "/", "/" + SECRET.upper(), SECRET]
)
def test_wrong_path_is_forbidden(tail: str) -> None:
    with pytest.raises(PushRejected) as info:
        COURIER.parse_push(_push(tail))
    assert info.value.status == 403
    assert SECRET not in str(info.value)


def test_wrong_path_is_refused_before_the_body_is_read() -> None:
    with pytest.raises(PushRejected) as info:
        COURIER.parse_push(_push("/nope", b"garbage"))
    assert info.value.status == 403


@pytest.mark.parametrize(
    "body",
    [b"", b"garbage", b'{"Body": null}', json.dumps({"Body": {"WaybillRoute": [{"opCode": "50"}]}}).encode()],
)
def test_malformed_push_is_a_bad_request(body: bytes) -> None:
    with pytest.raises(PushRejected) as info:
        COURIER.parse_push(_push(body=body))
    assert info.value.status == 400


def test_empty_route_list_is_acknowledged() -> None:
    outcome = COURIER.parse_push(_push(body=b'{"Body": {"WaybillRoute": []}}'))
    assert outcome.events == []


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"Body":' * 50_000, b"\xff\xfe", b"9" * 5000, b"1e999", b"null", b'"Body"',
     json.dumps({"Body": {"WaybillRoute": [{**ROUTES[0], "acceptTime": "0001-01-01 00:00:00"}]}}).encode(),
     json.dumps({"Body": {"WaybillRoute": [{**ROUTES[0], "acceptTime": 1e300}]}}).encode()],
)  # fmt: skip
def test_hostile_bodies_are_a_bad_request_not_a_crash(body: bytes) -> None:
    with pytest.raises(PushRejected) as info:
        COURIER.parse_push(_push(body=body))
    assert info.value.status == 400


@pytest.mark.parametrize("tail", ["/秘密", "/" + "é" * 22, "/\udcff"])
def test_a_non_ascii_path_is_forbidden_not_a_crash(tail: str) -> None:
    with pytest.raises(PushRejected) as info:
        COURIER.parse_push(_push(tail))
    assert info.value.status == 403
