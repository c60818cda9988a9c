import itertools
from datetime import UTC, datetime, timedelta, timezone

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


BEIJING = timezone(timedelta(hours=8))


def test_mixed_utc_offsets_are_ordered_by_the_instant_not_the_text() -> None:
    # 09:00 in Beijing is 01:00 UTC: before the 02:00 UTC scan, though "09:00+08:00" > "02:00+00:00" as text.
    picked = TrackingEvent("SB1", datetime(2026, 11, 28, 9, tzinfo=BEIJING), Status.PICKED_UP, "P", "揽收")
    moving = TrackingEvent("SB1", datetime(2026, 11, 28, 2, tzinfo=UTC), Status.IN_TRANSIT, "A", "到达")
    delivered = TrackingEvent(
        "SB1", datetime(2026, 11, 28, 11, tzinfo=BEIJING), Status.DELIVERED, "S", "签收"
    )
    late = TrackingEvent("SB1", datetime(2026, 11, 28, 4, tzinfo=UTC), Status.IN_TRANSIT, "A", "迟到")
    assert picked.time.isoformat() > moving.time.isoformat()
    for arrival in ([moving, picked, late, delivered], [delivered, late, picked, moving]):
        assert merge_events(arrival, []) == [picked, moving, delivered, late]
    # Walking by text would end on "delivered" (11:00+08:00 sorts last); by instant the late scan is last
    # and the status still stays delivered.
    assert derive_status([late, moving, delivered, picked]) is Status.DELIVERED
    assert derive_status([picked, moving]) is Status.IN_TRANSIT


def test_the_same_scan_in_two_offsets_is_one_event() -> None:
    utc_copy = ev(30, Status.IN_TRANSIT, "ARR", "到达杭州")
    beijing_copy = TrackingEvent(
        "SB1", utc_copy.time.astimezone(BEIJING), utc_copy.status, utc_copy.raw_code, utc_copy.description
    )
    assert merge_events([utc_copy], [beijing_copy]) == merge_events([beijing_copy], [utc_copy])
    assert len(merge_events([utc_copy], [beijing_copy])) == 1


def test_ties_at_one_instant_are_broken_the_same_way_whatever_the_arrival_order() -> None:
    same = [
        ev(10, Status.IN_TRANSIT, "ARR", "到达杭州"),
        ev(10, Status.IN_TRANSIT, "ARR", "到达宁波"),
        ev(10, Status.IN_TRANSIT, "DEP", "离开杭州"),
        ev(10, Status.OUT_FOR_DELIVERY, "OFD", "派件"),
    ]
    orders = {tuple(merge_events(list(p), [])) for p in itertools.permutations(same)}
    assert len(orders) == 1
    assert derive_status(same) is derive_status(list(reversed(same)))
