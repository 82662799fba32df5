"""Concurrent work over many items, with each item's cloud failure kept apart."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.quectel_iot.api import QuectelConnectionError, QuectelError
from custom_components.quectel_iot.fan_out import fan_out


async def test_results_and_cloud_failures_are_sorted_by_item() -> None:
    refused = QuectelConnectionError("no route")

    async def act(item: int) -> int:
        if item == 2:
            raise refused
        return item * 10

    outcome = await fan_out([1, 2, 3], act)

    assert outcome.done == [(1, 10), (3, 30)]
    assert outcome.failed == [(2, refused)]


async def test_items_run_concurrently() -> None:
    started: list[int] = []
    all_started = asyncio.Event()
    release = asyncio.Event()

    async def act(item: int) -> int:
        started.append(item)
        if len(started) == 3:
            all_started.set()
        await release.wait()
        return item

    task = asyncio.create_task(fan_out(range(3), act))
    await all_started.wait()
    release.set()
    assert (await task).done == [(0, 0), (1, 1), (2, 2)]


async def test_a_bug_is_raised_once_every_item_has_finished() -> None:
    finished: list[int] = []

    async def act(item: int) -> int:
        if item == 0:
            raise KeyError("bug")
        await asyncio.sleep(0)
        finished.append(item)
        return item

    with pytest.raises(KeyError):
        await fan_out([0, 1, 2], act)
    assert finished == [1, 2]


async def test_no_items() -> None:
    async def act(item: int) -> int:
        raise QuectelError("never called")

    outcome = await fan_out([], act)
    assert outcome.done == []
    assert outcome.failed == []
