"""The Shares sensors: who has access to each owned device."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.quectel_iot.api.const import Endpoint
from custom_components.quectel_iot.const import DOMAIN
from custom_components.quectel_iot.sensor import PARALLEL_UPDATES
from simulator import Fault, Simulator

from .conftest import OWNER_UID
from .share_helpers import (
    GUEST_EMAIL,
    GUEST_UID,
    OTHER_UID,
    call,
    device_id,
    seed_scenario_shares,
    seed_share,
    shares_state,
)

DEVICES = [
    ("pTest", "DEV-1"),
    ("pTest", "DEV-2"),
    ("pTest2", "DEV-3"),
    ("pTest", "DEV-U"),
]


@pytest.fixture(autouse=True)
def shares(simulator: Simulator) -> None:
    """Seed the shares before the integration is set up."""
    seed_scenario_shares(simulator)


async def refresh_shares(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.shares.async_refresh()
    await hass.async_block_till_done()


async def test_one_sensor_per_owned_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    entries = er.async_entries_for_config_entry(
        entity_registry, init_integration.entry_id
    )
    assert sorted(e.unique_id for e in entries) == sorted(
        f"{pk}_{dk}_shares" for pk, dk in DEVICES
    )
    for entry in entries:
        assert entry.translation_key == "shares"
        assert entry.has_entity_name
        assert entry.device_id is not None
    assert PARALLEL_UPDATES == 0

    states = [shares_state(hass, dk, pk) for pk, dk in DEVICES]
    assert [state.state for state in states] == ["2", "1", "0", "0"]
    assert states[0].entity_id == "sensor.device_1_shares"
    assert [
        {"entity_id": s.entity_id, "state": s.state, "attributes": dict(s.attributes)}
        for s in states
    ] == snapshot


async def test_contact_details_are_masked(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    recipients = shares_state(hass, "DEV-2").attributes["recipients"]
    assert recipients == [
        {
            "nickname": "Guest",
            "uid": GUEST_UID,
            "email": "g***@example.test",
            "phone": "***0003",
            "share_code": "CODE-GUEST-2",
            "expires_at": None,
        }
    ]
    assert GUEST_EMAIL not in repr(shares_state(hass, "DEV-1").attributes)


async def test_unavailable_while_the_cloud_fails(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.HTTP_500, times=None)
    await refresh_shares(hass, init_integration)
    assert {shares_state(hass, dk, pk).state for pk, dk in DEVICES} == {
        STATE_UNAVAILABLE
    }

    simulator.clear_faults()
    await refresh_shares(hass, init_integration)
    assert [shares_state(hass, dk, pk).state for pk, dk in DEVICES] == [
        "2",
        "1",
        "0",
        "0",
    ]


async def test_unavailable_when_every_list_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST)
    await refresh_shares(hass, init_integration)
    assert not init_integration.runtime_data.shares.last_update_success
    assert shares_state(hass, "DEV-1").state == STATE_UNAVAILABLE


async def test_one_refused_list_makes_only_its_sensor_unavailable(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST, times=1
    )
    await refresh_shares(hass, init_integration)
    states = [shares_state(hass, dk, pk).state for pk, dk in DEVICES]
    assert states.count(STATE_UNAVAILABLE) == 1
    assert init_integration.runtime_data.shares.last_update_success


async def test_rejected_token_is_no_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Tokens rejected after renewals, no login refused: no new password asked."""
    simulator.inject(Fault.ERROR_CODE, code=5032, endpoint=Endpoint.SHARE_USER_LIST)
    await refresh_shares(hass, init_integration)
    assert not init_integration.runtime_data.shares.last_update_success
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_current_right_after_share_revoke_and_expiry_change(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    dev = device_id(hass, "DEV-3", pk="pTest2")
    assert shares_state(hass, "DEV-3", "pTest2").state == "0"

    shared = await call(hass, "share_device", {"device_id": dev, "uid": GUEST_UID})
    assert shares_state(hass, "DEV-3", "pTest2").state == "1"
    code = shared["shares"][0]["share_code"]

    await call(
        hass,
        "set_share_expiry",
        {"share_code": code, "expires_at": "2097-01-01T00:00:00+00:00"},
    )
    [recipient] = shares_state(hass, "DEV-3", "pTest2").attributes["recipients"]
    assert recipient["expires_at"] == "2097-01-01T00:00:00+00:00"

    await call(hass, "unshare_device", {"share_code": code})
    assert shares_state(hass, "DEV-3", "pTest2").state == "0"


async def test_change_after_an_outage_brings_the_sensors_back(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.HTTP_500, endpoint=Endpoint.SHARE_USER_LIST, times=5)
    await refresh_shares(hass, init_integration)
    assert shares_state(hass, "DEV-1").state == STATE_UNAVAILABLE
    simulator.clear_faults()

    await call(hass, "unshare_device", {"share_code": "CODE-GUEST-2"})

    assert shares_state(hass, "DEV-1").state == "2"
    assert shares_state(hass, "DEV-2").state == "0"


async def test_failed_refresh_after_a_change_keeps_the_last_lists(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.HTTP_500, endpoint=Endpoint.SHARE_USER_LIST)
    await init_integration.runtime_data.shares.async_refresh_devices(["pTest_DEV-1"])
    await hass.async_block_till_done()
    assert shares_state(hass, "DEV-1").state == "2"


async def test_new_device_gets_its_sensor_between_polls(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.add_device("pTest", "DEV-NEW", OWNER_UID, name="New device")
    simulator.add_share("pTest", "DEV-NEW", GUEST_UID)

    await init_integration.runtime_data.devices.async_refresh()
    await hass.async_block_till_done()

    assert shares_state(hass, "DEV-NEW").state == "1"


async def test_device_leaving_and_coming_back(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
) -> None:
    devices = init_integration.runtime_data.devices
    simulator.remove_device("pTest", "DEV-2")
    await devices.async_refresh()
    await hass.async_block_till_done()
    assert (
        entity_registry.async_get_entity_id("sensor", DOMAIN, "pTest_DEV-2_shares")
        is None
    )

    simulator.add_device("pTest", "DEV-2", OWNER_UID, name="Device 2")
    await devices.async_refresh()
    await hass.async_block_till_done()
    assert shares_state(hass, "DEV-2").state == "0"


async def test_a_share_ending_between_polls_is_no_longer_counted(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    now = dt_util.utcnow()
    soon, later = now + timedelta(minutes=1), now + timedelta(minutes=3)
    seed_share(
        simulator,
        "DEV-3",
        GUEST_UID,
        "CODE-SOON",
        pk="pTest2",
        expire_at_ms=int(soon.timestamp() * 1000),
    )
    seed_share(
        simulator,
        "DEV-3",
        OTHER_UID,
        "CODE-LATER",
        pk="pTest2",
        expire_at_ms=int(later.timestamp() * 1000),
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert shares_state(hass, "DEV-3", "pTest2").state == "2"
    requests = len(simulator.requests)

    freezer.move_to(soon + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = shares_state(hass, "DEV-3", "pTest2")
    assert state.state == "1"
    assert [r["share_code"] for r in state.attributes["recipients"]] == ["CODE-LATER"]

    freezer.move_to(later + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert shares_state(hass, "DEV-3", "pTest2").state == "0"
    # The sensor followed the expiries by itself: no request to the cloud.
    assert len(simulator.requests) == requests


async def test_an_unchanged_poll_writes_no_state(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    before = shares_state(hass, "DEV-1")
    # Home Assistant updates last_reported on the same State object.
    reported = before.last_reported
    freezer.tick(timedelta(seconds=30))
    await refresh_shares(hass, init_integration)
    await init_integration.runtime_data.devices.async_refresh()
    await hass.async_block_till_done()

    after = shares_state(hass, "DEV-1")
    assert after.state == before.state
    assert after.last_reported == reported
