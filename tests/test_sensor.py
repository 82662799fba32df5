"""The Shares sensors: who has access to each owned device."""

from __future__ import annotations

from datetime import timedelta
import logging

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
from custom_components.quectel_iot.const import DOMAIN, SHARE_SCAN_INTERVAL
from custom_components.quectel_iot.coordinator import GONE_CONFIRM_AFTER, SHARE_TICK
from custom_components.quectel_iot.sensor import PARALLEL_UPDATES
from simulator import Fault, Simulator

from .conftest import (
    GUEST_EMAIL,
    GUEST_UID,
    OTHER_UID,
    OWNER_UID,
    advance,
    cloud_devices,
)
from .share_helpers import (
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


async def poll_shares(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Move the clock until every device's share list is due, and let it be read.

    A device is read again at least every `SHARE_SCAN_INTERVAL` (four devices
    are far within the budget), and a failed read is retried after as long.
    """
    await advance(hass, freezer, SHARE_SCAN_INTERVAL)


def states(hass: HomeAssistant) -> list[str]:
    """The states of the Shares sensors of `DEVICES`, in that order."""
    return [shares_state(hass, dk, pk).state for pk, dk in DEVICES]


async def test_one_sensor_per_owned_device(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    # A fixed clock: the sensors tell when their lists were read.
    freezer.move_to("2025-06-01T12:00:00+00:00")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    init_integration = config_entry
    cloud_device_ids = {device.id for device in cloud_devices(hass, init_integration)}
    entries = [
        entry
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
        if entry.device_id in cloud_device_ids
    ]
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
    # Attribute names as text: 2026.x keys some of them with a StrEnum.
    assert [
        {
            "entity_id": s.entity_id,
            "state": s.state,
            "attributes": {str(key): value for key, value in s.attributes.items()},
        }
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
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every read fails: each sensor unavailable, the outage logged once."""
    caplog.set_level(logging.INFO)
    simulator.inject(Fault.HTTP_500, times=None)
    caplog.clear()
    await poll_shares(hass, freezer)
    await poll_shares(hass, freezer)
    assert set(states(hass)) == {STATE_UNAVAILABLE}
    assert set(init_integration.runtime_data.shares.failed) == {
        f"{pk}_{dk}" for pk, dk in DEVICES
    }
    outage = [
        r
        for r in caplog.records
        if r.getMessage().startswith("Cannot read share lists")
    ]
    assert len(outage) == 1
    assert outage[0].levelno == logging.WARNING
    assert "HTTP 500" in outage[0].getMessage()

    simulator.clear_faults()
    await poll_shares(hass, freezer)
    assert states(hass) == ["2", "1", "0", "0"]
    assert not init_integration.runtime_data.shares.failed
    recovered = [
        r for r in caplog.records if "answers share-list reads again" in r.getMessage()
    ]
    assert len(recovered) == 1
    assert recovered[0].levelno == logging.INFO
    # Not once more per device.
    assert not [r for r in caplog.records if "can be read again" in r.getMessage()]


async def test_unavailable_when_every_list_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every list refused: every sensor unavailable, each logged once."""
    caplog.set_level(logging.INFO)
    simulator.inject(Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST)
    caplog.clear()
    await poll_shares(hass, freezer)
    await poll_shares(hass, freezer)
    assert set(states(hass)) == {STATE_UNAVAILABLE}
    refused = [
        record
        for record in caplog.records
        if record.getMessage().startswith("The cloud refused the share list of")
    ]
    # Once per device, however many reads it refused.
    assert len(refused) == len({r.getMessage() for r in refused}) == len(DEVICES)
    assert {r.levelno for r in refused} == {logging.WARNING}

    simulator.clear_faults()
    await poll_shares(hass, freezer)
    assert states(hass) == ["2", "1", "0", "0"]
    again = [r for r in caplog.records if "can be read again" in r.getMessage()]
    assert len(again) == len(DEVICES)


async def test_one_refused_list_makes_only_its_sensor_unavailable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST, times=1
    )
    await poll_shares(hass, freezer)
    assert states(hass).count(STATE_UNAVAILABLE) == 1
    assert len(init_integration.runtime_data.shares.failed) == 1
    assert init_integration.runtime_data.shares.last_update_success


async def test_rejected_token_is_no_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Tokens rejected after renewals, no login refused: no new password asked."""
    simulator.inject(Fault.ERROR_CODE, code=5032, endpoint=Endpoint.SHARE_USER_LIST)
    await poll_shares(hass, freezer)
    # Only the lists are refused: their sensors are unavailable, no reauth.
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert set(states(hass)) == {STATE_UNAVAILABLE}


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
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A change made during a device's failure is confirmed at the next tick."""
    simulator.inject(Fault.HTTP_500, endpoint=Endpoint.SHARE_USER_LIST)
    await poll_shares(hass, freezer)
    assert set(states(hass)) == {STATE_UNAVAILABLE}
    simulator.clear_faults()

    await call(hass, "unshare_device", {"share_code": "CODE-GUEST-2"})

    # The changed device's list is read at the next tick, not a period later.
    await advance(hass, freezer, SHARE_TICK)
    assert shares_state(hass, "DEV-2").state == "0"
    # The others come back at their own retry.
    await poll_shares(hass, freezer)
    assert states(hass) == ["2", "0", "0", "0"]


async def test_failed_refresh_after_a_change_keeps_the_last_lists(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """A failed read marks only its device, and keeps that device's last list."""
    shares = init_integration.runtime_data.shares
    last = shares.shares_of("pTest_DEV-1")
    assert last is not None
    assert len(last) == 4
    simulator.inject(Fault.HTTP_500, endpoint=Endpoint.SHARE_USER_LIST)
    await shares.async_refresh_devices(["pTest_DEV-1"])
    await hass.async_block_till_done()
    assert shares_state(hass, "DEV-1").state == STATE_UNAVAILABLE
    assert shares.shares_of("pTest_DEV-1") == last
    assert states(hass)[1:] == ["1", "0", "0"]

    simulator.clear_faults()
    await shares.async_refresh_devices(["pTest_DEV-1"])
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
    freezer: FrozenDateTimeFactory,
) -> None:
    devices = init_integration.runtime_data.devices
    simulator.remove_device("pTest", "DEV-2")
    await devices.async_refresh()
    await hass.async_block_till_done()
    # Gone only once a second list, apart in time, confirms it.
    assert shares_state(hass, "DEV-2").state == "1"
    freezer.tick(GONE_CONFIRM_AFTER)
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


async def test_an_unchanged_read_changes_only_when_it_was_read(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    before = shares_state(hass, "DEV-1")
    reads = len(simulator.requests_to(Endpoint.SHARE_USER_LIST))
    await poll_shares(hass, freezer)
    await init_integration.runtime_data.devices.async_refresh()
    await hass.async_block_till_done()
    # The lists were read again, and were the same.
    assert len(simulator.requests_to(Endpoint.SHARE_USER_LIST)) == reads + len(DEVICES)

    after = shares_state(hass, "DEV-1")
    assert after.state == before.state
    assert after.last_changed == before.last_changed
    assert after.attributes["recipients"] == before.attributes["recipients"]
    assert after.attributes["last_read"] > before.attributes["last_read"]


async def test_reading_another_device_writes_no_state(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    before = shares_state(hass, "DEV-1")
    # Home Assistant updates last_reported on the same State object.
    reported = before.last_reported
    await call(hass, "list_shares", {"device_id": device_id(hass, "DEV-2")})
    assert shares_state(hass, "DEV-1").last_reported == reported
