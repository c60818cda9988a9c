"""Inbound sandbox pushes: signature checked first (401), then shape (400), then normalized events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from couriers.contract import InboundPush
from couriers.errors import PushRejected
from couriers.sandbox import SandboxConfig, SandboxCourier, encode_push, make_tracking_number, sign
from couriers.status import Status
from couriers.testing import hostile

SECRET = "test-secret"
START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
NUMBER = make_tracking_number(START, 1, 2, 3)


@pytest.fixture
def courier() -> SandboxCourier:
    return SandboxCourier(SandboxConfig(secret=SECRET), now=lambda: START + timedelta(days=5))


def push(body: bytes, signature: str | None = None, header: str = "X-Sandbox-Signature") -> InboundPush:
    headers = {} if signature is None else {header: signature}
    return InboundPush(path_tail="", headers=headers, body=body, content_type="application/json")


def signed(payload: object, secret: str = SECRET) -> InboundPush:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return push(body, sign(secret, body))


def test_round_trip_gives_back_the_timeline(courier: SandboxCourier) -> None:
    events = courier.timeline(NUMBER)
    body = encode_push(NUMBER, events)
    outcome = courier.parse_push(push(body, sign(SECRET, body)))
    assert list(outcome.events) == events
    assert outcome.ack_body == b'{"ok":true}'
    assert (outcome.ack_status, outcome.ack_content_type) == (200, "application/json")


def test_signature_format_is_hex_hmac_sha256() -> None:
    import hashlib
    import hmac

    body = b'{"tracking_number":"x","events":[]}'
    assert sign("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


def test_header_name_is_case_insensitive(courier: SandboxCourier) -> None:
    body = encode_push(NUMBER, [])
    assert courier.parse_push(push(body, sign(SECRET, body), header="x-sandbox-signature")).events == []


def test_events_are_normalized(courier: SandboxCourier) -> None:
    outcome = courier.parse_push(
        signed(
            {
                "tracking_number": NUMBER,
                "events": [
                    {
                        "time": "2026-03-02T09:30:00+08:00",
                        "code": "SIGNED",
                        "description": "已签收，签收人：本人",
                    },
                ],
            }
        )
    )
    [event] = outcome.events
    assert event.time == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert event.time.tzinfo is UTC
    assert (event.status, event.raw_code, event.location) == (Status.DELIVERED, "SIGNED", "")
    assert event.tracking_number == NUMBER


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        "md5=abc",
        "sha256=zz",
    ],
)
def test_missing_or_wrong_signature_is_401(courier: SandboxCourier, signature: str | None) -> None:
    with pytest.raises(PushRejected) as info:
        courier.parse_push(push(encode_push(NUMBER, []), signature))
    assert info.value.status == 401


def test_signature_with_another_secret_is_401(courier: SandboxCourier) -> None:
    with pytest.raises(PushRejected) as info:
        courier.parse_push(signed({"tracking_number": NUMBER, "events": []}, secret="other"))
    assert info.value.status == 401


def test_tampered_body_is_401(courier: SandboxCourier) -> None:
    body = encode_push(NUMBER, courier.timeline(NUMBER))
    tampered = body.replace(b"SIGNED", b"BOOKED")
    with pytest.raises(PushRejected) as info:
        courier.parse_push(push(tampered, sign(SECRET, body)))
    assert info.value.status == 401


def test_signature_is_checked_before_the_body(courier: SandboxCourier) -> None:
    with pytest.raises(PushRejected) as info:
        courier.parse_push(push(b"not json", "sha256=" + "0" * 64))
    assert info.value.status == 401


GOOD_EVENT = {
    "time": "2026-03-02T01:30:00+00:00",
    "code": "BOOKED",
    "description": "已下单",
    "location": "杭州市",
}


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        {"events": []},
        {"tracking_number": 12, "events": []},
        {"tracking_number": "SB123", "events": []},
        {"tracking_number": NUMBER},
        {"tracking_number": NUMBER, "events": {}},
        {"tracking_number": NUMBER, "events": ["x"]},
        {"tracking_number": NUMBER, "events": [{**GOOD_EVENT, "time": "yesterday"}]},
        {"tracking_number": NUMBER, "events": [{**GOOD_EVENT, "time": "2026-03-02T01:30:00"}]},
        {"tracking_number": NUMBER, "events": [{**GOOD_EVENT, "time": 1700000000}]},
        {"tracking_number": NUMBER, "events": [{**GOOD_EVENT, "code": "TELEPORTED"}]},
        {"tracking_number": NUMBER, "events": [{**GOOD_EVENT, "description": None}]},
        {"tracking_number": NUMBER, "events": [{**GOOD_EVENT, "location": 5}]},
    ],
)
def test_malformed_payload_is_400(courier: SandboxCourier, payload: object) -> None:
    with pytest.raises(PushRejected) as info:
        courier.parse_push(signed(payload))
    assert info.value.status == 400


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b""])
def test_undecodable_body_is_400(courier: SandboxCourier, body: bytes) -> None:
    with pytest.raises(PushRejected) as info:
        courier.parse_push(push(body, sign(SECRET, body)))
    assert info.value.status == 400


def test_good_event_is_accepted(courier: SandboxCourier) -> None:
    [event] = courier.parse_push(signed({"tracking_number": NUMBER, "events": [GOOD_EVENT]})).events
    assert event.time == datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)  # noqa: UP017 - both spellings


def at(time: str) -> str:
    """A push whose one event happened at `time` (ISO 8601 text)."""
    event = {"time": time, "code": "PICKED_UP", "description": "", "location": ""}
    return json.dumps({"tracking_number": NUMBER, "events": [event]})


@pytest.mark.parametrize(
    "text", [*hostile.BAD_PAYLOADS, at("0001-01-01T00:00:00+05:00"), at("9999-12-31T23:59:59-05:00")]
)
def test_hostile_signed_payloads_are_refused_never_crash(courier: SandboxCourier, text: str) -> None:
    body = text.encode()
    hostile.parse_or_refuse(courier, push(body, sign(SECRET, body)), text[:40], events_allowed=False)


@pytest.mark.parametrize("body", hostile.RAW_BODIES)
def test_hostile_unsigned_bodies_are_refused(courier: SandboxCourier, body: bytes) -> None:
    with pytest.raises(PushRejected):
        courier.parse_push(push(body, "sha256=" + "签名"))


def test_every_value_of_a_genuine_push_made_hostile_is_refused_or_parsed(courier: SandboxCourier) -> None:
    genuine = encode_push(NUMBER, courier.timeline(NUMBER)[:3]).decode()
    for where, text in hostile.mutations(genuine):
        body = text.encode("utf-8", "surrogatepass")
        hostile.parse_or_refuse(courier, push(body, sign(SECRET, body)), where, events_allowed=True)
