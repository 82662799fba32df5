"""No request storms on a large account (1,000 devices).

After a failed poll, concurrent actions make only their own requests (one
share-list read per device per wave, shared by callers); one failed read out
of many makes only that device unavailable; and however often anyone asks for
an update, polling stays within the budget's pace.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.const import DOMAIN
from custom_components.quectel_iot.coordinator import SHARE_BURST
from simulator import Fault, Simulator
from simulator.scenario import bench_scenario

from .conftest import account_data, advance

DEVICES = 1000
RECIPIENT = "recipient1@example.com"


@pytest.fixture
async def large_cloud(socket_enabled: None) -> AsyncIterator[Simulator]:
    """A cloud whose account owns 1,000 devices."""
    simulator = Simulator(bench_scenario(DEVICES))
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def large_account(hass: HomeAssistant, large_cloud: Simulator) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="B1",
        title="b***@example.com",
        data=account_data(large_cloud, "bench@example.com", "bench-pass-1"),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def list_reads(simulator: Simulator) -> Counter[str]:
    """Share-list requests per device key."""
    return Counter(
        request.query["dk"]
        for request in simulator.requests_to(Endpoint.SHARE_USER_LIST.value)
    )


async def test_setup_of_1000_devices_does_not_burst(
    large_account: MockConfigEntry, large_cloud: Simulator
) -> None:
    # A login, ten pages of devices and the first share lists only.
    assert len(large_cloud.requests) <= 60
    assert sum(list_reads(large_cloud).values()) == SHARE_BURST


async def test_actions_after_a_failed_poll_make_no_storm(
    hass: HomeAssistant,
    large_account: MockConfigEntry,
    large_cloud: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    # A poll fails on the cloud's side.
    large_cloud.inject(Fault.HTTP_503, endpoint=Endpoint.SHARE_USER_LIST)
    await advance(hass, freezer, timedelta(minutes=5))
    large_cloud.clear_faults()
    large_cloud.clear_requests()

    async def share(dk: str) -> None:
        await hass.services.async_call(
            DOMAIN,
            "share_device",
            {"product_key": "pBench", "device_key": dk, "email": RECIPIENT},
            blocking=True,
            return_response=True,
        )

    # Five concurrent calls on the same device, and one each on two others.
    await asyncio.gather(
        *(share("BENCH0500") for _ in range(5)), share("BENCH0600"), share("BENCH0700")
    )

    reads = list_reads(large_cloud)
    assert set(reads) == {"BENCH0500", "BENCH0600", "BENCH0700"}
    # Callers waiting for the same device share its read: one per device for
    # this wave of concurrent calls, and nothing for the 997 others.
    assert reads == {"BENCH0500": 1, "BENCH0600": 1, "BENCH0700": 1}


async def test_one_failed_read_among_many_marks_only_that_device(
    hass: HomeAssistant,
    large_account: MockConfigEntry,
    large_cloud: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    large_cloud.inject(Fault.HTTP_503, endpoint=Endpoint.SHARE_USER_LIST, times=1)
    await advance(hass, freezer, timedelta(minutes=30))

    shares = large_account.runtime_data.shares
    assert len(shares.failed) == 1
    registry = er.async_get(hass)
    unavailable = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            registry, large_account.entry_id
        )
        if (state := hass.states.get(entity.entity_id)) is not None
        and state.state == STATE_UNAVAILABLE
    ]
    assert len(unavailable) == 1


async def test_update_entity_cannot_exceed_the_budget(
    hass: HomeAssistant,
    large_account: MockConfigEntry,
    large_cloud: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Anyone may call homeassistant.update_entity: it only runs the paced poll."""
    registry = er.async_get(hass)
    sensors = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            registry, large_account.entry_id
        )
        if entity.entity_id.startswith("sensor.")
    ]
    assert await async_setup_component(hass, "homeassistant", {})
    large_cloud.clear_requests()
    for _ in range(30):
        await hass.services.async_call(
            "homeassistant", "update_entity", {"entity_id": sensors}, blocking=True
        )
        await advance(hass, freezer, timedelta(seconds=1))

    # Thirty seconds at the budget's pace: a few reads, not 30 x 1,000.
    assert sum(list_reads(large_cloud).values()) <= SHARE_BURST
