from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from couriers import Status, TrackingEvent
from delivery.domain.timeline import derive_status, merge_events, next_status

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def ev(minutes: int, status: Status, code: str = "", text: str = "") -> TrackingEvent:
    return TrackingEvent(
        "SB1", T0 + timedelta(minutes=minutes), status, code or status.value, text or status.value
    )


LIFE = [
    ev(0, Status.INFO_RECEIVED),
    ev(90, Status.PICKED_UP),
    ev(300, Status.IN_TRANSIT, "ARR", "到达杭州"),
    ev(600, Status.IN_TRANSIT, "DEP", "离开杭州"),
    ev(900, Status.OUT_FOR_DELIVERY),
    ev(960, Status.DELIVERY_FAILED),
    ev(1500, Status.OUT_FOR_DELIVERY, "OFD2"),
    ev(1560, Status.DELIVERED),
]


def test_duplicates_are_stored_once_and_ordered_by_carrier_time() -> None:
    shuffled = [LIFE[5], LIFE[0], LIFE[7], LIFE[5], LIFE[2]]
    merged = merge_events(shuffled, [LIFE[2], LIFE[1]])
    assert [e.time for e in merged] == sorted({e.time for e in [*shuffled, LIFE[1]]})
    assert len(merged) == 5


def test_status_follows_the_latest_event() -> None:
    assert derive_status(LIFE[:5]) is Status.OUT_FOR_DELIVERY
    assert derive_status(LIFE[:6]) is Status.DELIVERY_FAILED
    assert derive_status([]) is Status.PENDING


def test_a_scan_dated_after_delivery_does_not_reopen_the_shipment() -> None:
    late = ev(2000, Status.IN_TRANSIT, "ARR", "到达宁波")
    assert derive_status([*LIFE, late]) is Status.DELIVERED
    assert next_status(Status.DELIVERED, merge_events(LIFE, [late])) is Status.DELIVERED


def test_return_event_moves_delivered_to_returned() -> None:
    assert derive_status([*LIFE, ev(3000, Status.RETURNED)]) is Status.RETURNED


def test_statuses_we_set_are_kept() -> None:
    assert next_status(Status.CANCELLED, LIFE[:2]) is Status.CANCELLED
    assert next_status(Status.EXPIRED, LIFE[:4]) is Status.EXPIRED
    assert next_status(Status.EXPIRED, LIFE) is Status.DELIVERED
    assert next_status(Status.INFO_RECEIVED, []) is Status.INFO_RECEIVED


def test_same_time_terminal_event_sorts_last() -> None:
    a = ev(10, Status.DELIVERED)
    b = ev(10, Status.OUT_FOR_DELIVERY)
    assert derive_status([a, b]) is Status.DELIVERED
    assert derive_status([b, a]) is Status.DELIVERED


@given(st.lists(st.sampled_from(LIFE), max_size=20), st.randoms())
def test_result_depends_only_on_the_set_of_events(events: list[TrackingEvent], rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert merge_events(events, []) == merge_events(shuffled, shuffled)
    assert derive_status(events) is derive_status(shuffled)
