"""The share coordinator: per-device failures, and single-flight reads."""

from __future__ import annotations

import asyncio

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api import QuectelResponseError
from custom_components.quectel_iot.api.const import Endpoint
from custom_components.quectel_iot.const import SHARE_SCAN_INTERVAL
from simulator import Simulator

from .conftest import OTHER_UID, OWNER_UID, advance
from .share_helpers import (
    call,
    device_id,
    seed_scenario_shares,
    shares_state,
)

# Three devices: the scenario's, less the unverified one.
DEVICES = [("pTest", "DEV-1"), ("pTest", "DEV-2"), ("pTest2", "DEV-3")]


@pytest.fixture(autouse=True)
def three_devices(simulator: Simulator) -> None:
    """Seed the shares, and leave the account three devices."""
    seed_scenario_shares(simulator)
    simulator.remove_device("pTest", "DEV-U")


def states(hass: HomeAssistant) -> list[str]:
    """The states of the Shares sensors of `DEVICES`, in that order."""
    return [shares_state(hass, dk, pk).state for pk, dk in DEVICES]


async def test_one_refused_device_of_three_is_the_only_one_unavailable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The cloud refuses one device's list (bound to another account since
    the last device list): only its sensor is unavailable, and it keeps its
    last list; the two others are read and shown as usual."""
    shares = init_integration.runtime_data.shares
    assert states(hass) == ["2", "1", "0"]
    last = shares.shares_of("pTest_DEV-2")
    simulator.devices[("pTest", "DEV-2")].owner_uid = OTHER_UID
    # The others change meanwhile: their new lists must be shown.
    simulator.add_share("pTest2", "DEV-3", "U3")

    await advance(hass, freezer, SHARE_SCAN_INTERVAL)

    assert states(hass) == ["2", STATE_UNAVAILABLE, "1"]
    assert list(shares.failed) == ["pTest_DEV-2"]
    assert isinstance(shares.failed["pTest_DEV-2"], QuectelResponseError)
    assert shares.failed["pTest_DEV-2"].code == 5141
    assert shares.last_update_success
    assert shares.shares_of("pTest_DEV-2") == last
    now = dt_util.utcnow()
    assert shares.read_at["pTest_DEV-1"] == now
    assert shares.read_at["pTest2_DEV-3"] == now
    assert shares.read_at["pTest_DEV-2"] < now

    # Back with the account: the next read brings the sensor back.
    simulator.devices[("pTest", "DEV-2")].owner_uid = OWNER_UID
    await advance(hass, freezer, SHARE_SCAN_INTERVAL)
    assert states(hass) == ["2", "1", "1"]
    assert shares.failed == {}


async def test_concurrent_reads_of_one_device_share_one_request(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Two list_shares at once for the same device: one share-list request."""
    dev_1 = device_id(hass, "DEV-1")
    simulator.clear_requests()
    # Slow answers, so that the second call comes while the first waits.
    simulator.latency = 0.2

    first, second = await asyncio.gather(
        call(hass, "list_shares", {"device_id": dev_1}),
        call(hass, "list_shares", {"device_id": dev_1}),
    )

    assert len(simulator.requests_to(Endpoint.SHARE_USER_LIST)) == 1
    assert first == second
    assert [len(d["shares"]) for d in first["devices"]] == [2]

    # A later call reads again: the answer was shared, not cached.
    simulator.latency = 0.0
    simulator.add_share("pTest", "DEV-1", "U3")
    third = await call(hass, "list_shares", {"device_id": dev_1})
    assert len(simulator.requests_to(Endpoint.SHARE_USER_LIST)) == 2
    assert [len(d["shares"]) for d in third["devices"]] == [3]
    # And the sensor shows what the action read.
    assert shares_state(hass, "DEV-1").state == "3"
