"""The sandbox life plan: deterministic, ordered, plausible, and troubled at roughly the stated rates."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from couriers.sandbox import codes
from couriers.sandbox.cities import CITIES
from couriers.sandbox.numbers import make_tracking_number
from couriers.sandbox.timeline import (
    EXCEPTION_RATE,
    FAILED_ATTEMPT_RATE,
    LOCKER_RATE,
    MAX_LIFE_SECONDS,
    MIN_LIFE_SECONDS,
    PlannedEvent,
    plan_life,
)
from couriers.status import Status

HOUR = 3600.0
BOOKED_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
SCANS = {codes.ARRIVED, codes.DEPARTED}

# Which raw code may follow which: the shape of a believable parcel life.
ALLOWED_NEXT: dict[str, set[str]] = {
    codes.BOOKED: {codes.PICKED_UP},
    codes.PICKED_UP: {codes.ARRIVED},
    codes.ARRIVED: {codes.DEPARTED, codes.EXCEPTION, codes.OUT_FOR_DELIVERY},
    codes.DEPARTED: {codes.ARRIVED, codes.EXCEPTION, codes.OUT_FOR_DELIVERY},
    codes.EXCEPTION: {codes.RESOLVED},
    codes.RESOLVED: {codes.OUT_FOR_DELIVERY},
    codes.OUT_FOR_DELIVERY: {codes.FAILED_ATTEMPT, codes.IN_LOCKER, codes.SIGNED},
    codes.FAILED_ATTEMPT: {codes.OUT_FOR_DELIVERY},
    codes.IN_LOCKER: {codes.SIGNED},
    codes.SIGNED: set(),
}


def number(serial: int, origin: int = 0, destination: int = 0) -> str:
    return make_tracking_number(BOOKED_AT, origin, destination, serial)


def many(n: int = 1000, seed: int = 0) -> list[tuple[PlannedEvent, ...]]:
    return [plan_life(number(i), seed=seed) for i in range(n)]


def check_plausible(plan: tuple[PlannedEvent, ...]) -> None:
    offsets = [e.offset for e in plan]
    assert all(a < b for a, b in itertools.pairwise(offsets)), "offsets must strictly increase"
    assert plan[0] == PlannedEvent(0.0, codes.BOOKED, plan[0].description, plan[0].location)
    assert plan[1].code == codes.PICKED_UP
    assert 1 * HOUR <= plan[1].offset <= 4 * HOUR
    for before, after in itertools.pairwise(plan):
        assert after.code in ALLOWED_NEXT[before.code], f"{before.code} -> {after.code}"
    assert plan[-1].code == codes.SIGNED
    assert [e.code for e in plan].count(codes.SIGNED) == 1
    assert 3 <= sum(e.code in SCANS for e in plan) <= 5
    assert MIN_LIFE_SECONDS - 1 <= plan[-1].offset <= MAX_LIFE_SECONDS + 1
    assert all(e.description and e.location for e in plan)


def test_same_inputs_give_the_same_life() -> None:
    assert plan_life(number(7), seed=3, origin="杭州", destination="北京") == plan_life(
        number(7), seed=3, origin="杭州", destination="北京"
    )


def test_seed_and_number_both_change_the_life() -> None:
    base = plan_life(number(7))
    assert plan_life(number(8)) != base
    assert plan_life(number(7), seed=1) != base
    assert sum(plan_life(number(i)) != plan_life(number(i), seed=99) for i in range(100)) > 95


def test_example_life_reads_like_a_real_parcel() -> None:
    plan = plan_life(number(1), origin="杭州市", destination="成都市")
    check_plausible(plan)
    assert plan[0].location == "杭州市"
    assert plan[-1].location == "成都市"
    assert plan[-1].description == "已签收，签收人：本人"
    arrivals = [e.description for e in plan if e.code == codes.ARRIVED]
    assert arrivals[0] == "快件已到达【杭州转运中心】"
    assert arrivals[-1] == "快件已到达【成都转运中心】"


def test_a_thousand_lives_are_all_plausible() -> None:
    for plan in many():
        check_plausible(plan)


@given(
    seconds=st.integers(min_value=0, max_value=9_999_999_999),
    origin=st.integers(min_value=0, max_value=len(CITIES)),
    destination=st.integers(min_value=0, max_value=len(CITIES)),
    serial=st.integers(min_value=0, max_value=9999),
    seed=st.integers(min_value=-(2**63), max_value=2**63),
)
def test_any_number_and_seed_gives_a_plausible_life(
    seconds: int, origin: int, destination: int, serial: int, seed: int
) -> None:
    booked = datetime.fromtimestamp(seconds, UTC)
    check_plausible(plan_life(make_tracking_number(booked, origin, destination, serial), seed=seed))


def test_transit_scans_pass_through_at_least_two_cities() -> None:
    for i, plan in enumerate(many(300)):
        cities = {e.location for e in plan if e.code in SCANS}
        assert len(cities) >= 2, i


def test_same_city_parcels_still_route_through_a_hub() -> None:
    plan = plan_life(number(5), origin="杭州", destination="杭州")
    scans = [e for e in plan if e.code in SCANS]
    assert len(scans) == 5
    assert len({e.location for e in scans}) == 2


def is_same_city(plan: tuple[PlannedEvent, ...]) -> bool:
    return plan[0].location == plan[-1].location


def test_known_cities_only_rename_places() -> None:
    compared = 0
    for i in range(50):
        plain = plan_life(number(i))
        placed = plan_life(number(i), origin="西安", destination="广州")
        assert placed[0].location == "西安市"
        assert placed[-1].location == "广州市"
        if not is_same_city(plain):  # a same-city parcel detours through a hub, which changes its timing
            compared += 1
            assert [(e.offset, e.code) for e in plain] == [(e.offset, e.code) for e in placed]
    assert compared > 40


def test_unknown_city_names_fall_back_to_the_number() -> None:
    assert plan_life(number(3), origin="不存在市", destination="") == plan_life(number(3))


@pytest.mark.parametrize(
    ("code", "rate", "tolerance"),
    [
        (codes.FAILED_ATTEMPT, 0.20, 0.05),
        (codes.EXCEPTION, 0.10, 0.04),
        (codes.IN_LOCKER, 0.15, 0.05),
    ],
)
def test_troubles_happen_at_roughly_the_stated_rate(code: str, rate: float, tolerance: float) -> None:
    for seed in (0, 1):
        share = sum(any(e.code == code for e in plan) for plan in many(1000, seed)) / 1000
        assert abs(share - rate) <= tolerance, (seed, share)


def test_published_rates_are_the_designed_ones() -> None:
    assert (FAILED_ATTEMPT_RATE, EXCEPTION_RATE, LOCKER_RATE) == (0.20, 0.10, 0.15)


def test_failed_attempt_is_retried_the_next_day() -> None:
    troubled = [p for p in many(200) if any(e.code == codes.FAILED_ATTEMPT for e in p)]
    assert troubled
    for plan in troubled:
        i = next(i for i, e in enumerate(plan) if e.code == codes.FAILED_ATTEMPT)
        assert plan[i].description == "收件人不在，改日派送"
        assert plan[i + 1].code == codes.OUT_FOR_DELIVERY
        assert plan[i + 1].offset - plan[i].offset >= 18 * HOUR


def test_exceptions_recover_and_the_parcel_is_still_delivered() -> None:
    troubled = [p for p in many(300) if any(e.code == codes.EXCEPTION for e in p)]
    assert troubled
    texts = Counter(e.description for p in troubled for e in p if e.code == codes.EXCEPTION)
    assert "地址不详，联系收件人中" in texts
    for plan in troubled:
        assert plan[-1].code == codes.SIGNED


def test_every_planned_code_has_a_status_and_lives_end_delivered() -> None:
    seen = Counter(e.code for plan in many(500) for e in plan)
    assert set(seen) == set(codes.STATUS_BY_CODE) - {codes.CANCELLED}
    for plan in many(100):
        assert codes.status_for(plan[-1].code) is Status.DELIVERED


def test_lives_span_one_and_a_half_to_three_and_a_half_days() -> None:
    spans = [plan[-1].offset / 86400 for plan in many(1000)]
    assert min(spans) >= 1.5 - 1e-6
    assert max(spans) <= 3.5 + 1e-6
    assert max(spans) - min(spans) > 1.5  # spread out, not all the same length
