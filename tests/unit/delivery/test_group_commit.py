"""Group commit without a database: who goes in which group, and what each caller is told."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from delivery.storage.group_commit import GroupCommit


class RecordingWriter:
    """A write that takes a while (like a commit) and records the groups it was given."""

    def __init__(self, *, fail_when: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.fail_when = fail_when
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, items: Sequence[int]) -> list[int]:
        self.groups.append(list(items))
        await self.release.wait()
        await asyncio.sleep(0)
        if self.fail_when is not None and self.fail_when in items:
            raise RuntimeError(f"cannot write {self.fail_when}")
        return [item * 10 for item in items]


async def test_a_lone_caller_is_written_at_once_and_gets_its_own_result() -> None:
    writer = RecordingWriter()
    group = GroupCommit(writer)
    assert await group.submit(7) == 70
    assert writer.groups == [[7]]
    assert not group.busy


async def test_callers_arriving_during_a_write_share_the_next_one() -> None:
    writer = RecordingWriter()
    writer.release.clear()
    group = GroupCommit(writer)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)  # the first write has started and is waiting for its "commit"
    rest = [asyncio.create_task(group.submit(n)) for n in range(2, 7)]
    await asyncio.sleep(0)
    writer.release.set()
    assert await first == 10
    assert await asyncio.gather(*rest) == [20, 30, 40, 50, 60]
    assert writer.groups == [[1], [2, 3, 4, 5, 6]]


async def test_groups_are_capped() -> None:
    writer = RecordingWriter()
    writer.release.clear()
    group = GroupCommit(writer, max_group=2)
    tasks = [asyncio.create_task(group.submit(n)) for n in range(1, 6)]
    await asyncio.sleep(0)
    writer.release.set()
    assert await asyncio.gather(*tasks) == [10, 20, 30, 40, 50]
    assert writer.groups == [[1, 2], [3, 4], [5]]


async def test_a_failed_write_fails_every_caller_of_its_group_and_no_other() -> None:
    writer = RecordingWriter(fail_when=3)
    writer.release.clear()
    group = GroupCommit(writer, max_group=2)
    tasks = [asyncio.create_task(group.submit(n)) for n in range(1, 6)]
    await asyncio.sleep(0)
    writer.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[0] == 10
    assert results[1] == 20
    assert isinstance(results[2], RuntimeError)
    assert isinstance(results[3], RuntimeError)
    assert results[4] == 50


async def test_a_caller_that_gives_up_does_not_stop_the_write() -> None:
    writer = RecordingWriter()
    writer.release.clear()
    group = GroupCommit(writer)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    impatient = asyncio.create_task(group.submit(2))
    patient = asyncio.create_task(group.submit(3))
    await asyncio.sleep(0)
    impatient.cancel()
    writer.release.set()
    assert await first == 10
    assert await patient == 30
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert writer.groups == [[1], [2, 3]]  # written all the same
    await group.close()
    assert not group.busy
