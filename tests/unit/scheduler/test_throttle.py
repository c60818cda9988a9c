"""Pacing carrier calls: evenly spaced at the carrier's rate, checked on a virtual clock."""

from __future__ import annotations

import asyncio

from scheduler import Pacer


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_calls_are_spaced_by_the_rate() -> None:
    clock = VirtualClock()
    pacer = Pacer(4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        await pacer.wait()
        starts.append(clock.now)
    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]


async def test_concurrent_callers_queue_up_instead_of_bursting() -> None:
    clock = VirtualClock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    pacer = Pacer(2, clock=clock, sleep=sleep)
    await asyncio.gather(*(pacer.wait() for _ in range(4)))
    assert sorted(slept) == [0.5, 1.0, 1.5]


async def test_idle_time_is_not_saved_up_for_a_burst() -> None:
    clock = VirtualClock()
    pacer = Pacer(1, clock=clock, sleep=clock.sleep)
    await pacer.wait()
    clock.now = 100.0
    await pacer.wait()
    await pacer.wait()
    assert clock.now == 101.0
