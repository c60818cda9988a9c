"""A sandbox parcel's whole life, planned from its tracking number alone: pure, deterministic, no I/O.

`plan_life` is what makes the sandbox useful for demos and tests of the tracking engine: every parcel gets
a plausible journey (booking, pickup at the hall within 1–4 h, 3–5 sort-centre scans through real cities,
out for delivery, signed) and, decided by its number and the seed, some of the troubles real parcels have:
a failed attempt and a re-delivery the next day (~20%), a problem that gets resolved (~10%), a wait in a
parcel station (~15%). Offsets are *simulated* seconds after booking; the adapter divides them by its time
scale.

Randomness comes from SHA-256 of (seed, number, counter) rather than `random.Random`, whose derived methods
(`uniform`, `choice` …) may change between Python versions: an upgraded service must replay the same lives,
or the events it already stored would come back as different, duplicate events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from couriers.sandbox import codes
from couriers.sandbox.cities import CITIES, HUBS, City, city_index

__all__ = [
    "EXCEPTION_RATE",
    "FAILED_ATTEMPT_RATE",
    "LOCKER_RATE",
    "MAX_LIFE_SECONDS",
    "MIN_LIFE_SECONDS",
    "PlannedEvent",
    "plan_life",
]

FAILED_ATTEMPT_RATE = 0.20
EXCEPTION_RATE = 0.10
LOCKER_RATE = 0.15

_HOUR = 3600.0
_SLOTS = 16
MIN_LIFE_SECONDS = 36 * _HOUR
MAX_LIFE_SECONDS = 84 * _HOUR

_AREAS = ("城东", "城西", "城南", "城北", "高新", "经开")
_COURIERS = ("王师傅", "李师傅", "张师傅", "刘师傅", "陈师傅", "杨师傅", "赵师傅", "黄师傅")
_TROUBLES = (
    ("地址不详，联系收件人中", "已联系收件人确认地址，继续派送"),
    ("天气原因，快件延误", "天气好转，快件恢复运输"),
    ("快件外包装破损，已重新加固", "快件复核完成，继续运输"),
)

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One event of the plan: `offset` is simulated seconds after booking."""

    offset: float
    code: str
    description: str
    location: str


class _Stream:
    """Deterministic uniform floats in [0, 1) from SHA-256, stable across Python versions and platforms."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()
        self._counter = 0

    def random(self) -> float:
        digest = hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)

    def chance(self, p: float) -> bool:
        return self.random() < p

    def choice(self, items: Sequence[_T]) -> _T:
        return items[int(self.random() * len(items))]


def _known_city(name: str | None) -> City | None:
    index = city_index(name) if name else 0
    return CITIES[index - 1] if index else None


def plan_life(
    tracking_number: str, *, seed: int = 0, origin: str | None = None, destination: str | None = None
) -> tuple[PlannedEvent, ...]:
    """The planned events of `tracking_number`, ordered by strictly increasing offset.

    `origin` and `destination` are city names ("杭州" or "杭州市"); a city the sandbox doesn't know (or None)
    is replaced by one drawn from the number. Every draw happens whether or not it is used, so knowing the
    cities changes only place names — unless it makes origin and destination the same city, which adds a hub
    to the route and so changes the timing too. The troubles of a parcel never depend on its cities.
    """
    rng = _Stream(f"certpost-sandbox-life\x00{seed}\x00{tracking_number}")
    # Troubles first, each from its own draw, so their rates don't depend on anything else.
    failed_attempt = rng.chance(FAILED_ATTEMPT_RATE)
    trouble = rng.chance(EXCEPTION_RATE)
    locker = rng.chance(LOCKER_RATE)
    fallback_origin, fallback_destination = rng.choice(CITIES), rng.choice(CITIES)
    scans = 3 + int(rng.random() * 3)
    hub_pick = rng.random()
    trouble_text = rng.choice(_TROUBLES)
    area, courier = rng.choice(_AREAS), rng.choice(_COURIERS)
    # One draw per slot of the longest possible life, used or not, so a route change moves no other timing.
    slot = [rng.random() for _ in range(_SLOTS)]

    def gap(index: int, low_hours: float, high_hours: float) -> float:
        return (low_hours + (high_hours - low_hours) * slot[index]) * _HOUR

    src = _known_city(origin) or fallback_origin
    dst = _known_city(destination) or fallback_destination
    station = f"{dst.display}{area}营业部"
    hubs = [h for h in HUBS if h not in (src, dst)]
    hub = hubs[int(hub_pick * len(hubs))]
    if src == dst:  # a parcel for the same city still goes through a regional hub: scans in two cities
        scans = 5
    centres = [src, hub, dst] if scans == 5 else [src, dst]

    # Core: from pickup to the first delivery round; its gaps are stretched to fit the total below.
    core: list[tuple[float, str, str, City]] = []
    for i, centre in enumerate(centres):
        arrive_gap = gap(0, 2, 5) if i == 0 else gap(2 * i, 6, 14)
        core.append((arrive_gap, codes.ARRIVED, f"快件已到达【{centre.sort_centre}】", centre))
        if i + 1 < len(centres):
            nxt = centres[i + 1].sort_centre
            depart = f"快件已从【{centre.sort_centre}】发出，下一站【{nxt}】"
            core.append((gap(2 * i + 1, 1, 3), codes.DEPARTED, depart, centre))
    if scans == 4:
        depart = f"快件已从【{dst.sort_centre}】发出，下一站【{station}】"
        core.append((gap(5, 1, 3), codes.DEPARTED, depart, dst))
    if trouble:
        problem, fixed = trouble_text
        core.append((gap(6, 1, 4), codes.EXCEPTION, problem, dst))
        core.append((gap(7, 3, 10), codes.RESOLVED, fixed, dst))
    out_for_delivery = f"【{station}】派件员【{courier}】正在为您派件"
    core.append((gap(8, 4, 10), codes.OUT_FOR_DELIVERY, out_for_delivery, dst))

    # Tail: what happens after the first delivery round, at its natural pace.
    tail: list[tuple[float, str, str, City]] = []
    if failed_attempt:
        tail.append((gap(9, 1, 4), codes.FAILED_ATTEMPT, "收件人不在，改日派送", dst))
        tail.append((gap(10, 18, 24), codes.OUT_FOR_DELIVERY, out_for_delivery, dst))
    if locker:
        stored = f"快件已存放至【{dst.display}{area}快递驿站】，请凭取件码及时取件"
        tail.append((gap(11, 1, 3), codes.IN_LOCKER, stored, dst))
        tail.append((gap(12, 2, 20), codes.SIGNED, "已签收，签收人：本人", dst))
    else:
        tail.append((gap(13, 0.5, 4), codes.SIGNED, "已签收，签收人：本人", dst))

    pickup = gap(14, 1, 4)
    tail_span = sum(g for g, *_ in tail)
    low = max(MIN_LIFE_SECONDS, pickup + tail_span + 12 * _HOUR)
    total = low + (MAX_LIFE_SECONDS - low) * slot[15]
    stretch = (total - pickup - tail_span) / sum(g for g, *_ in core)

    events = [
        PlannedEvent(0.0, codes.BOOKED, "已下单，等待快递员上门揽收", src.display),
        PlannedEvent(pickup, codes.PICKED_UP, f"快递员已在【{src.display}政务服务中心】揽收", src.display),
    ]
    offset = pickup
    for scale, steps in ((stretch, core), (1.0, tail)):
        for span, code, description, city in steps:
            offset += span * scale
            events.append(PlannedEvent(offset, code, description, city.display))
    return tuple(events)
