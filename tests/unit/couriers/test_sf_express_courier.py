"""The SF adapter against the simulator's protocol in-process (no sockets): what it sends, how it reacts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from couriers.contract import Address, Booking, PickupRequest, TrackQuery
from couriers.errors import ConfigurationError, DuplicateOrderError, RejectedError, RetryableError
from couriers.sf_express import SFExpressConfig, SFExpressCourier, next_business_window, wire
from couriers.simulators.common import SimClock
from couriers.simulators.sf_express import (
    DEFAULT_CHECK_WORD,
    DEFAULT_MONTHLY_CARD,
    DEFAULT_PARTNER_ID,
    SFExpressSimulator,
)
from couriers.status import Status
from couriers.transport import CarrierTransport, Response, TransportPolicy

# 10:00 Beijing: inside SF's business hours.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
HALL = Address("杭州市政务服务中心", "0571-88880000", "浙江省", "杭州市", "上城区", "解放东路18号")
HOME = Address("张三", "13800001234", "浙江省", "宁波市", "海曙区", "中山西路1号")

Answer = Callable[[Mapping[str, str]], Mapping[str, Any] | None]


class InProcess(CarrierTransport):
    """The real transport policy (limiter, retries, breaker) with the simulator's handler instead of HTTP.

    `script` answers instead of the simulator while it has entries (None = let the simulator answer).
    """

    def __init__(self, simulator: SFExpressSimulator, *, attempts: int = 3) -> None:
        super().__init__(
            "sf_express", TransportPolicy(attempts=attempts, backoff_initial=0.001, backoff_max=0.01)
        )
        self.simulator = simulator
        self.forms: list[dict[str, str]] = []
        self.script: list[Answer] = []
        self.status = 200

    async def post(
        self, url: str, *, operation: str, data: Mapping[str, str] | None = None, **_: Any
    ) -> Response:
        assert data is not None
        self.forms.append(dict(data))
        answer = self.script.pop(0)(data) if self.script else None
        if answer is None:
            answer = self.simulator.handle_form(data)
        return Response(self.status, json.dumps(answer).encode())

    def sent(self, service: str) -> list[dict[str, Any]]:
        return [json.loads(f["msgData"]) for f in self.forms if f["serviceCode"] == service]


CONFIG = SFExpressConfig(
    partner_id=DEFAULT_PARTNER_ID,
    check_word=DEFAULT_CHECK_WORD,
    webhook_secret="push-secret-0123456789",
    base_url="http://sf.invalid/std/service",
    monthly_card=DEFAULT_MONTHLY_CARD,
)


@pytest.fixture
def simulator() -> SFExpressSimulator:
    return SFExpressSimulator(clock=SimClock(NOW))


@pytest.fixture
def transport(simulator: SFExpressSimulator) -> InProcess:
    return InProcess(simulator)


@pytest.fixture
def courier(transport: InProcess, simulator: SFExpressSimulator) -> SFExpressCourier:
    return SFExpressCourier(CONFIG, transport=transport, now=simulator.clock.now)


def request(order_id: str = "CT0001", *, start: datetime = NOW + timedelta(hours=1)) -> PickupRequest:
    return PickupRequest(order_id, HALL, HOME, start, start + timedelta(hours=2))


def fails(code: str) -> Answer:
    def answer(_form: Mapping[str, str]) -> Mapping[str, Any]:
        if code.startswith("A"):
            return wire.response_envelope(code, api_message="scripted")
        return wire.response_envelope(success=False, error_code=code, error_message="scripted")

    return answer


# -- book ---------------------------------------------------------------------------------------------------


async def test_book_sends_a_courier_call(courier: SFExpressCourier, transport: InProcess) -> None:
    booking = await courier.book(request())
    assert booking.tracking_number.startswith("SF")
    assert booking.carrier == "sf_express"
    [sent] = transport.sent("EXP_RECE_CREATE_ORDER")
    assert sent["orderId"] == "CT0001"
    assert sent["isDocall"] == 1
    assert sent["sendStartTm"] == "2026-03-02 11:00:00"  # Beijing wall clock
    assert sent["monthlyCard"] == DEFAULT_MONTHLY_CARD
    assert sent["cargoDetails"][0]["name"] == "证照"
    sender, recipient = sent["contactInfoList"]
    assert (sender["contactType"], sender["tel"], sender["address"]) == (1, "057188880000", "解放东路18号")
    assert (recipient["contactType"], recipient["mobile"], recipient["city"]) == (2, "13800001234", "宁波市")
    form = transport.forms[0]
    assert form["partnerID"] == DEFAULT_PARTNER_ID
    assert DEFAULT_CHECK_WORD not in "".join(form.values())


async def test_without_monthly_card_none_is_sent(simulator: SFExpressSimulator) -> None:
    transport = InProcess(simulator)
    courier = SFExpressCourier(
        SFExpressConfig(DEFAULT_PARTNER_ID, DEFAULT_CHECK_WORD, "push-secret-0123456789"), transport=transport
    )
    await courier.book(request())
    [sent] = transport.sent("EXP_RECE_CREATE_ORDER")
    assert "monthlyCard" not in sent
    assert sent["payMethod"] == 1


async def test_outside_business_hours_moves_to_the_next_window(
    courier: SFExpressCourier, transport: InProcess
) -> None:
    evening = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 20:00 Beijing
    booking = await courier.book(request(start=evening))
    assert [s["sendStartTm"] for s in transport.sent("EXP_RECE_CREATE_ORDER")] == [
        "2026-03-02 20:00:00",
        "2026-03-03 09:00:00",
    ]
    assert booking.raw["sendStartTm"] == "2026-03-03 09:00:00"


async def test_8096_retries_are_bounded(courier: SFExpressCourier, transport: InProcess) -> None:
    transport.script = [fails("8096")] * 5
    with pytest.raises(RejectedError) as info:
        await courier.book(request())
    assert info.value.raw_code == "8096"
    assert len(transport.sent("EXP_RECE_CREATE_ORDER")) == 3


def test_next_business_window() -> None:
    beijing = wire.BEIJING
    assert next_business_window(datetime(2026, 3, 2, 7, 0, tzinfo=beijing)) == datetime(
        2026, 3, 2, 9, 0, tzinfo=beijing
    )
    assert next_business_window(datetime(2026, 3, 2, 9, 0, tzinfo=beijing)) == datetime(
        2026, 3, 3, 9, 0, tzinfo=beijing
    )
    assert next_business_window(datetime(2026, 3, 2, 23, 30, tzinfo=beijing)) == datetime(
        2026, 3, 3, 9, 0, tzinfo=beijing
    )
    assert next_business_window(NOW).tzinfo is UTC


async def test_a_past_window_moves_after_now(courier: SFExpressCourier, transport: InProcess) -> None:
    transport.script = [fails("8096")]
    await courier.book(request(start=NOW - timedelta(days=3)))
    assert transport.sent("EXP_RECE_CREATE_ORDER")[1]["sendStartTm"] == "2026-03-03 09:00:00"


async def test_duplicate_order_is_looked_up_by_a_fresh_adapter(
    courier: SFExpressCourier, simulator: SFExpressSimulator
) -> None:
    first = await courier.book(request())
    transport = InProcess(simulator)
    fresh = SFExpressCourier(CONFIG, transport=transport)
    again = await fresh.book(request())
    assert again.tracking_number == first.tracking_number
    assert [s["orderId"] for s in transport.sent("EXP_RECE_SEARCH_ORDER_RESP")] == ["CT0001"]
    assert len(simulator.parcels) == 1


async def test_a1007_repeated_request_id_is_retried_with_a_fresh_one(
    courier: SFExpressCourier, transport: InProcess
) -> None:
    first = await courier.book(request())
    transport.forms.clear()
    transport.script = [fails("A1007")]
    again = await courier.book(request())
    assert again.tracking_number == first.tracking_number
    assert [f["serviceCode"] for f in transport.forms] == [
        "EXP_RECE_CREATE_ORDER",  # A1007: sent again with a new requestID
        "EXP_RECE_CREATE_ORDER",  # 8016: the order exists
        "EXP_RECE_SEARCH_ORDER_RESP",
    ]
    assert len({f["requestID"] for f in transport.forms}) == 3


async def test_a1007_that_persists_is_retryable(simulator: SFExpressSimulator) -> None:
    transport = InProcess(simulator, attempts=1)
    courier = SFExpressCourier(CONFIG, transport=transport)
    transport.script = [fails("A1007")]
    with pytest.raises(RetryableError) as info:
        await courier.book(request())
    assert info.value.raw_code == "A1007"


async def test_a_lost_answer_is_retried_and_finds_the_order_instead_of_booking_twice(
    courier: SFExpressCourier, transport: InProcess, simulator: SFExpressSimulator
) -> None:
    def processed_but_lost(form: Mapping[str, str]) -> Mapping[str, Any]:
        simulator.handle_form(form)  # SF books the order …
        raise RetryableError("connection reset", carrier="sf_express")  # … and the answer never arrives

    transport.script = [processed_but_lost]
    booking = await courier.book(request())
    assert [p.tracking_number for p in simulator.parcels.values()] == [booking.tracking_number]
    assert [f["serviceCode"] for f in transport.forms][-1] == "EXP_RECE_SEARCH_ORDER_RESP"


@pytest.mark.parametrize(
    "lookup",
    [
        fails("8018"),  # SF said "duplicate" but cannot find it yet
        fails("8016"),
        lambda _f: wire.response_envelope(msg_data={"orderId": "CT0001", "waybillNoInfoList": []}),
    ],
    ids=["not-found-yet", "duplicate-again", "no-waybill-yet"],
)
async def test_a_duplicate_order_error_never_escapes_book(
    courier: SFExpressCourier, simulator: SFExpressSimulator, lookup: Answer
) -> None:
    transport = InProcess(simulator, attempts=1)
    courier = SFExpressCourier(CONFIG, transport=transport)
    transport.script = [fails("8016"), lookup]
    with pytest.raises(RetryableError, match="retry later") as info:
        await courier.book(request())
    assert not isinstance(info.value, DuplicateOrderError)
    assert not simulator.parcels, "nothing was booked under another id"


async def test_a_rejected_lookup_stays_a_rejection(simulator: SFExpressSimulator) -> None:
    transport = InProcess(simulator, attempts=1)
    courier = SFExpressCourier(CONFIG, transport=transport)
    transport.script = [fails("8016"), fails("8119")]
    with pytest.raises(ConfigurationError):
        await courier.book(request())


async def test_outside_service_area_is_rejected(courier: SFExpressCourier, transport: InProcess) -> None:
    transport.script = [
        lambda _f: wire.response_envelope(
            msg_data={"orderId": "CT0001", "filterResult": 3, "waybillNoInfoList": [{"waybillNo": "SF1"}]}
        )
    ]
    with pytest.raises(RejectedError, match="filterResult"):
        await courier.book(request())


async def test_rate_limited_calls_are_retried(courier: SFExpressCourier, transport: InProcess) -> None:
    transport.script = [fails("A1005"), fails("A1099")]
    booking = await courier.book(request())
    assert booking.tracking_number
    assert len(transport.forms) == 3
    assert len({f["requestID"] for f in transport.forms}) == 3, (
        "every attempt is a new, freshly signed request"
    )


async def test_rate_limit_that_persists_is_retryable(simulator: SFExpressSimulator) -> None:
    transport = InProcess(simulator, attempts=2)
    courier = SFExpressCourier(CONFIG, transport=transport)
    transport.script = [fails("A1005")] * 2
    with pytest.raises(RetryableError):
        await courier.book(request())


@pytest.mark.parametrize("code", ["A1002", "A1003", "A1004", "A1006", "8119"])
async def test_configuration_errors_are_not_retried(
    courier: SFExpressCourier, transport: InProcess, code: str
) -> None:
    transport.script = [fails(code)]
    with pytest.raises(ConfigurationError) as info:
        await courier.book(request())
    assert info.value.raw_code == code
    assert len(transport.forms) == 1


async def test_wrong_check_word_is_a_configuration_error(simulator: SFExpressSimulator) -> None:
    bad = SFExpressConfig(DEFAULT_PARTNER_ID, "wrong-check-word", "push-secret-0123456789")
    courier = SFExpressCourier(bad, transport=InProcess(simulator))
    with pytest.raises(ConfigurationError) as info:
        await courier.book(request())
    assert info.value.raw_code == "A1006"
    assert "wrong-check-word" not in str(info.value)
    assert not simulator.parcels


async def test_wrong_monthly_card(simulator: SFExpressSimulator) -> None:
    bad = SFExpressConfig(DEFAULT_PARTNER_ID, DEFAULT_CHECK_WORD, "push-secret-0123456789", monthly_card="1")
    with pytest.raises(ConfigurationError):
        await SFExpressCourier(bad, transport=InProcess(simulator)).book(request())


async def test_unexpected_http_status_is_a_configuration_error(
    courier: SFExpressCourier, transport: InProcess
) -> None:
    transport.status = 404
    with pytest.raises(ConfigurationError, match="base_url"):
        await courier.book(request())


@pytest.mark.parametrize(
    ("recipient", "code"),
    [
        (Address("张三", "13800001234", "", "", "", ""), "1014"),
        (Address("", "13800001234", "浙江省", "宁波市", "海曙区", "中山西路1号"), "1015"),
        (Address("张三", "", "浙江省", "宁波市", "海曙区", "中山西路1号"), "1016"),
    ],
)
async def test_incomplete_addresses_are_rejected(
    courier: SFExpressCourier, simulator: SFExpressSimulator, recipient: Address, code: str
) -> None:
    bad = PickupRequest("CT0009", HALL, recipient, NOW, NOW + timedelta(hours=2))
    with pytest.raises(RejectedError) as info:
        await courier.book(bad)
    assert info.value.raw_code == code
    assert not simulator.parcels


# -- cancel -------------------------------------------------------------------------------------------------


async def test_cancel_twice(
    courier: SFExpressCourier, transport: InProcess, simulator: SFExpressSimulator
) -> None:
    booking = await courier.book(request())
    await courier.cancel(booking)
    await courier.cancel(booking)  # 8037 already cancelled
    assert (
        transport.sent("EXP_RECE_UPDATE_ORDER")
        == [{"language": "zh-CN", "orderId": "CT0001", "dealType": 2}] * 2
    )
    assert simulator.parcels[booking.tracking_number].cancelled_at is not None


async def test_cancel_after_pickup(courier: SFExpressCourier, simulator: SFExpressSimulator) -> None:
    booking = await courier.book(request())
    simulator.clock.advance(timedelta(hours=3))
    with pytest.raises(RejectedError) as info:
        await courier.cancel(booking)
    assert info.value.raw_code == "8252"


async def test_cancel_unknown_order(courier: SFExpressCourier) -> None:
    with pytest.raises(RejectedError) as info:
        await courier.cancel(Booking("NOPE", "SF0", "sf_express"))
    assert info.value.raw_code == "8018"


# -- track --------------------------------------------------------------------------------------------------


async def test_track_returns_utc_events_in_order(
    courier: SFExpressCourier, simulator: SFExpressSimulator
) -> None:
    booking = await courier.book(request())
    simulator.clock.advance(timedelta(days=3))
    [result] = await courier.track([TrackQuery(booking.tracking_number, "1234")])
    assert result.events[0].raw_code == "50"
    assert result.events[0].time == NOW + timedelta(hours=2)
    assert result.events[0].time.tzinfo is not None
    assert result.events[-1].status is Status.DELIVERED
    assert [e.time for e in result.events] == sorted(e.time for e in result.events)


async def test_track_batches_by_ten_and_by_phone_tail(
    courier: SFExpressCourier, transport: InProcess, simulator: SFExpressSimulator
) -> None:
    bookings = [await courier.book(request(f"CT{i:04d}")) for i in range(13)]
    simulator.clock.advance(timedelta(days=1))
    queries = [TrackQuery(b.tracking_number, "1234") for b in bookings]
    queries.insert(5, TrackQuery(bookings[0].tracking_number, "9999"))  # a second tail: its own request
    queries.append(TrackQuery("SF0000000000000", "1234"))  # unknown number
    results = await courier.track(queries)
    assert [r.tracking_number for r in results] == [q.tracking_number for q in queries]
    sent = transport.sent("EXP_RECE_SEARCH_ROUTES")
    assert [(len(s["trackingNumber"]), s["checkPhoneNo"]) for s in sent] == [
        (10, "1234"),
        (4, "1234"),
        (1, "9999"),
    ]
    assert all(s["trackingType"] == "1" for s in sent)
    assert not results[5].events, "a wrong phone tail sees nothing"
    assert not results[-1].events, "an unknown number has an empty timeline"
    assert all(r.events for i, r in enumerate(results) if i not in (5, len(results) - 1))


async def test_track_without_phone_tail_sends_none(courier: SFExpressCourier, transport: InProcess) -> None:
    await courier.track([TrackQuery("SF1440000000001")])
    [sent] = transport.sent("EXP_RECE_SEARCH_ROUTES")
    assert "checkPhoneNo" not in sent


async def test_track_of_nothing_makes_no_call(courier: SFExpressCourier, transport: InProcess) -> None:
    assert await courier.track([]) == []
    assert not transport.forms


async def test_unreadable_routes_are_skipped(courier: SFExpressCourier, transport: InProcess) -> None:
    routes = [
        {"acceptTime": "2026-03-02 10:00:00", "opCode": "50", "remark": "收件", "acceptAddress": "杭州"},
        {"acceptTime": "garbage", "opCode": "30"},
        {"acceptTime": "2026-03-02 09:00:00", "opCode": "54", "remark": "上门收件"},
        "not a route",
    ]
    transport.script = [
        lambda _f: wire.response_envelope(msg_data={"routeResps": [{"mailNo": "SF1", "routes": routes}]})
    ]
    [result] = await courier.track([TrackQuery("SF1")])
    assert [e.raw_code for e in result.events] == ["54", "50"]


async def test_subscribe_is_a_no_op(courier: SFExpressCourier, transport: InProcess) -> None:
    await courier.subscribe(TrackQuery("SF1"), "http://example.invalid/hook")
    assert not transport.forms
