"""`EMSCourier` without a network: the requests it builds and how it reads each kind of answer.

A fake replaces `CarrierTransport.post`, recording the form it was given and answering scripted envelopes;
`CarrierTransport.call` (limiter, retries, breaker) runs for real.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from couriers.contract import Booking, PickupRequest, TrackQuery
from couriers.ems import EMSConfig, EMSCourier, codes, payload, wire
from couriers.errors import (
    ConfigurationError,
    DuplicateOrderError,
    RejectedError,
    RetryableError,
)
from couriers.status import Status
from couriers.transport import Response

if TYPE_CHECKING:
    from conftest import RequestFactory, VirtualClock

START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

KEY = "TvaBgrhE46sft3nZlfe7xw=="
CONFIG = {"sender_no": "1100000000001", "authorization": "auth-code", "sign_key": KEY, "attempts": 2}


class FakeEMS:
    """Answers queued responses and keeps the decrypted body of each request."""

    def __init__(self) -> None:
        self.answers: list[Response] = []
        self.requests: list[tuple[dict[str, str], Any]] = []

    def answer(self, ret_code: str = codes.RET_OK, body: Any = None, *, status: int = 200) -> None:
        data = wire.encode_envelope(ret_code, body, now=START)
        self.answers.append(Response(status, data))

    def raw(self, status: int, data: bytes) -> None:
        self.answers.append(Response(status, data))

    async def post(
        self, url: str, *, operation: str, data: Mapping[str, str] | None = None, **_: Any
    ) -> Response:
        assert data is not None
        self.requests.append((dict(data), payload.decode(data["logitcsInterface"], KEY)))
        return self.answers.pop(0)


@pytest.fixture
def fake() -> FakeEMS:
    return FakeEMS()


@pytest.fixture
def courier(fake: FakeEMS, clock: VirtualClock) -> EMSCourier:
    adapter = EMSCourier(EMSConfig.from_mapping(CONFIG), now=clock)
    adapter._transport.post = fake.post  # type: ignore[method-assign]
    return adapter


def test_the_order_payload(courier: EMSCourier, make_request: RequestFactory) -> None:
    order = courier.order_payload(make_request("CP-0001"))
    assert order == {
        "ecommerceUserId": "CP-0001",
        "logisticsOrderNo": "CP-0001",
        "createdTime": "2026-03-02 09:30:00",
        "contentsAttribute": 1,
        "bizProductNo": "1",
        "sender": {
            "name": "杭州市政务服务中心",
            "prov": "浙江省",
            "city": "杭州市",
            "county": "上城区",
            "address": "解放东路18号",
            "phone": "057188880000",
        },
        "receiver": {
            "name": "张三",
            "prov": "浙江省",
            "city": "宁波市",
            "county": "海曙区",
            "address": "中山西路1号",
            "mobile": "13800001234",
        },
        "cargos": [{"cargoName": "证照", "cargoQuantity": 1, "cargoWeight": 200}],
        "pickupType": "1",
        "pickupPreBeginTime": "2026-03-02 09:30:00",
        "pickupPreEndTime": "2026-03-02 11:30:00",
    }


async def test_book_sends_one_order_in_an_array(
    courier: EMSCourier, fake: FakeEMS, make_request: RequestFactory
) -> None:
    fake.answer(body={"logisticsOrderNo": "CP-0001", "waybillNo": "1100000000777"})
    booking = await courier.book(make_request())
    assert booking.tracking_number == "1100000000777"
    assert booking.raw["duplicate"] is False
    form, body = fake.requests[0]
    assert form["apiCode"] == "020003"
    assert form["senderNo"] == "1100000000001"
    assert form["msgType"] == "0"
    assert form["timeStamp"] == "2026-03-02 09:30:00"
    assert isinstance(body, list)
    assert body[0]["logisticsOrderNo"] == "CP-0001"


async def test_a_duplicate_answer_yields_the_existing_waybill(
    courier: EMSCourier, fake: FakeEMS, make_request: RequestFactory
) -> None:
    fake.answer(codes.RET_DUPLICATE_ORDER, {"logisticsOrderNo": "CP-0001", "waybillNo": "1100000000777"})
    booking = await courier.book(make_request())
    assert booking.tracking_number == "1100000000777"
    assert booking.raw["duplicate"] is True
    assert len(fake.requests) == 1


async def test_a_duplicate_answer_without_a_waybill(
    courier: EMSCourier, fake: FakeEMS, make_request: RequestFactory
) -> None:
    fake.answer(codes.RET_DUPLICATE_ORDER)
    with pytest.raises(DuplicateOrderError):
        await courier.book(make_request())


@pytest.mark.parametrize(
    ("ret_code", "error", "calls"),
    [
        (codes.RET_BAD_ADDRESS, RejectedError, 1),
        (codes.RET_OUT_OF_AREA, RejectedError, 1),
        (codes.RET_BAD_PAYLOAD, ConfigurationError, 1),
        (codes.RET_BAD_AUTHORIZATION, ConfigurationError, 1),
        (codes.RET_BUSY, RetryableError, 2),  # retried (attempts=2), then raised
        (codes.RET_RATE_LIMITED, RetryableError, 2),
    ],
)
async def test_failure_codes_become_typed_errors(
    courier: EMSCourier,
    fake: FakeEMS,
    make_request: RequestFactory,
    ret_code: str,
    error: type[Exception],
    calls: int,
) -> None:
    for _ in range(calls):
        fake.answer(ret_code)
    with pytest.raises(error) as caught:
        await courier.book(make_request())
    assert getattr(caught.value, "raw_code", None) == ret_code
    assert len(fake.requests) == calls
    assert "auth-code" not in str(caught.value)
    assert KEY not in str(caught.value)


async def test_a_busy_carrier_that_recovers(
    courier: EMSCourier, fake: FakeEMS, make_request: RequestFactory
) -> None:
    fake.answer(codes.RET_BUSY)
    fake.answer(body={"waybillNo": "1100000000777"})
    assert (await courier.book(make_request())).tracking_number == "1100000000777"


@pytest.mark.parametrize(
    ("status", "data", "error"),
    [
        (401, b"", ConfigurationError),
        (404, b"not found", ConfigurationError),
        (400, b"bad", RejectedError),
        (200, b"<html>maintenance</html>", RetryableError),
    ],
)
async def test_answers_that_are_not_envelopes(
    courier: EMSCourier,
    fake: FakeEMS,
    make_request: RequestFactory,
    status: int,
    data: bytes,
    error: type[Exception],
) -> None:
    for _ in range(2):
        fake.raw(status, data)
    with pytest.raises(error):
        await courier.book(make_request())


async def test_an_accepted_order_without_a_waybill_is_retryable(
    courier: EMSCourier, fake: FakeEMS, make_request: RequestFactory
) -> None:
    fake.answer(body={"logisticsOrderNo": "CP-0001"})
    with pytest.raises(RetryableError):
        await courier.book(make_request())


async def test_cancel(courier: EMSCourier, fake: FakeEMS) -> None:
    booking = Booking("CP-0001", "1100000000777", "ems")
    fake.answer()
    fake.answer(codes.RET_ALREADY_CANCELLED)
    await courier.cancel(booking)
    await courier.cancel(booking)  # already cancelled: fine
    form, body = fake.requests[0]
    assert form["apiCode"] == "020006"
    assert body["logisticsOrderNo"] == "CP-0001"
    assert body["waybillNo"] == "1100000000777"
    fake.answer(codes.RET_ALREADY_PICKED_UP)
    with pytest.raises(RejectedError):
        await courier.cancel(booking)


async def test_track_one_number_per_call_in_query_order(courier: EMSCourier, fake: FakeEMS) -> None:
    items = [
        {"waybillNo": "A1", "opTime": "2026-03-02 12:00:00", "opCode": "208", "opDesc": "已妥投"},
        {"waybillNo": "A1", "opTime": "2026-03-01 09:00:00", "opCode": "203", "opDesc": "已收寄"},
        {"waybillNo": "A1", "opCode": "205"},  # no time: skipped
    ]
    fake.answer(body={"waybillNo": "A1", "responseItems": items})
    fake.answer(codes.RET_NO_SUCH_WAYBILL)
    fake.answer(codes.RET_BAD_PARAMS)
    results = await courier.track([TrackQuery("A1"), TrackQuery("B2"), TrackQuery("C3")])
    assert [r.tracking_number for r in results] == ["A1", "B2", "C3"]
    assert [e.status for e in results[0].events] == [Status.PICKED_UP, Status.DELIVERED]
    assert results[1].events == []
    assert results[2].events == []
    assert sorted(body["waybillNo"] for _, body in fake.requests) == ["A1", "B2", "C3"]
    assert all(form["apiCode"] == "040001" for form, _ in fake.requests)


async def test_track_raises_configuration_errors(courier: EMSCourier, fake: FakeEMS) -> None:
    fake.answer(codes.RET_ACCESS_DENIED)
    with pytest.raises(ConfigurationError):
        await courier.track([TrackQuery("A1")])


async def test_subscribe(courier: EMSCourier, fake: FakeEMS) -> None:
    fake.answer(body={"waybillNo": "A1"})
    await courier.subscribe(TrackQuery("A1"), "https://hall.example/webhooks/ems")
    form, body = fake.requests[0]
    assert form["apiCode"] == codes.API_SUBSCRIBE
    assert body == {"waybillNo": "A1", "callbackUrl": "https://hall.example/webhooks/ems"}


def test_the_clock_must_be_aware(fake: FakeEMS, make_request: RequestFactory) -> None:
    adapter = EMSCourier(EMSConfig.from_mapping(CONFIG), now=lambda: datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        adapter.order_payload(make_request())


def test_window_times_are_beijing(courier: EMSCourier, make_request: RequestFactory) -> None:
    request: PickupRequest = make_request()
    order = courier.order_payload(request)
    assert wire.parse_beijing(order["pickupPreBeginTime"]) == request.window_start.astimezone(UTC)
    assert json.loads(payload.dumps(order)) == order
