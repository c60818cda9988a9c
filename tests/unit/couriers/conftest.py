"""Fixtures for the carrier-library unit tests: a virtual clock and pickup requests from a real hall."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from couriers.contract import Address, PickupRequest

START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

RequestFactory = Callable[..., PickupRequest]


@dataclass
class VirtualClock:
    """A clock tests move by hand; call it to read the time. `start` is where it began."""

    start: datetime = START
    current: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def make_request() -> RequestFactory:
    """`make_request(order_id="CP-0001", recipient_city="宁波市")`: hall in 杭州 to a home elsewhere."""

    def make(order_id: str = "CP-0001", *, recipient_city: str = "宁波市") -> PickupRequest:
        hall = Address("杭州市政务服务中心", "057188880000", "浙江省", "杭州市", "上城区", "解放东路18号")
        home = Address("张三", "13800001234", "浙江省", recipient_city, "海曙区", "中山西路1号")
        return PickupRequest(order_id, hall, home, START, START + timedelta(hours=2))

    return make
