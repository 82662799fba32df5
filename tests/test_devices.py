"""The device registry follows the devices the account owns in the cloud."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.amber import AmberSnapshotExtension
from syrupy.location import PyTestLocation

from custom_components.quectel_iot import async_remove_config_entry_device
from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.const import DEVICE_SCAN_INTERVAL, DOMAIN
from custom_components.quectel_iot.devices import MANUFACTURER
from simulator import Fault, Simulator

OWNED = {"pTest_DEV-1", "pTest_DEV-2", "pTest2_DEV-3", "pTest_DEV-U"}


class RegistrySnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's serializers (stable registry entries), in __snapshots__."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return AmberSnapshotExtension.dirname(test_location=test_location)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialize registry entries without their random ids and timestamps.

    syrupy's own fixture shadows the Home Assistant plugin's one, which would
    add this extension.
    """
    return snapshot.use_extension(RegistrySnapshotExtension)


def registered(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, dr.DeviceEntry]:
    """The entry's registry devices, by their ``pk_dk`` identifier."""
    registry = dr.async_get(hass)
    return {
        identifier: device
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }


async def poll(hass: HomeAssistant) -> None:
    """Let the device list's scheduled poll run."""
    async_fire_time_changed(hass, dt_util.utcnow() + DEVICE_SCAN_INTERVAL)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_owned_devices_registered(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """One device per owned cloud device, described by the device list."""
    devices = registered(hass, init_integration)
    assert set(devices) == OWNED
    device = devices["pTest_DEV-1"]
    assert device.name == "Device 1"
    assert device.model == "Test product"
    assert device.model_id == "pTest"
    assert device.serial_number == "DEV-1"
    assert device.manufacturer == MANUFACTURER
    assert device.primary_config_entry == init_integration.entry_id
    assert [devices[key] for key in sorted(devices)] == snapshot


async def test_shared_with_account_not_registered(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A device another user shared with the account is not its to share."""
    assert ("pOther", "OTHER-1") in simulator.devices
    assert simulator.active_shares("pOther", "OTHER-1")
    registry = dr.async_get(hass)
    assert registry.async_get_device(identifiers={(DOMAIN, "pOther_OTHER-1")}) is None
    assert "pOther_OTHER-1" not in init_integration.runtime_data.devices.data
    # A device shared later is not registered either.
    simulator.add_device("pOther", "OTHER-2", "U4", name="Other 2")
    simulator.add_share("pOther", "OTHER-2", "U1")
    await poll(hass)
    assert set(registered(hass, init_integration)) == OWNED


async def test_added_device_appears_after_poll(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    simulator.add_device("pNew", "NEW-1", "U1", name="New device", product_name="New")
    assert "pNew_NEW-1" not in registered(hass, init_integration)
    await poll(hass)
    device = registered(hass, init_integration)["pNew_NEW-1"]
    assert device.name == "New device"
    assert device.model == "New"
    assert device.model_id == "pNew"
    assert device.serial_number == "NEW-1"


async def test_added_device_appears_after_refresh(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    simulator.add_device("pNew", "NEW-1", "U1")
    await init_integration.runtime_data.devices.async_refresh()
    assert set(registered(hass, init_integration)) == OWNED | {"pNew_NEW-1"}


async def test_renamed_device_updated(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """The registry follows a name changed in the app."""
    simulator.devices[("pTest", "DEV-1")].name = "Kitchen"
    await poll(hass)
    assert registered(hass, init_integration)["pTest_DEV-1"].name == "Kitchen"


async def test_removed_device_removed(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    registry = dr.async_get(hass)
    device_id = registered(hass, init_integration)["pTest_DEV-2"].id
    simulator.remove_device("pTest", "DEV-2")
    await poll(hass)
    assert set(registered(hass, init_integration)) == OWNED - {"pTest_DEV-2"}
    assert registry.async_get(device_id) is None


async def test_device_kept_during_outage(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A failed poll removes nothing; the next good one does."""
    devices = init_integration.runtime_data.devices
    simulator.remove_device("pTest", "DEV-2")
    simulator.inject(Fault.HTTP_503, endpoint=Endpoint.DEVICE_LIST)
    await poll(hass)
    assert not devices.last_update_success
    assert set(registered(hass, init_integration)) == OWNED

    simulator.clear_faults()
    await poll(hass)
    assert devices.last_update_success
    assert set(registered(hass, init_integration)) == OWNED - {"pTest_DEV-2"}


async def test_device_kept_after_unload(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Unloading the account keeps its devices."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert set(registered(hass, init_integration)) == OWNED


async def test_device_of_other_integration_untouched(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A device shared with another config entry only loses our entry."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    registry = dr.async_get(hass)
    device = registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    registry.async_update_device(
        device.id, add_config_entry_id=init_integration.entry_id
    )
    simulator.remove_device("pTest2", "DEV-3")
    await poll(hass)
    kept = registry.async_get(device.id)
    assert kept is not None
    assert kept.config_entries == {other.entry_id}


@pytest.fixture
async def ws_remove(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> WebSocketGenerator:
    """The websocket client, with the config API loaded."""
    assert await async_setup_component(hass, "config", {})
    return hass_ws_client


async def remove_device(
    hass: HomeAssistant,
    ws_remove: WebSocketGenerator,
    entry: MockConfigEntry,
    device_id: str,
) -> dict:
    client = await ws_remove(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device_id,
        }
    )
    return await client.receive_json()


async def test_remove_device_refused_while_listed(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    ws_remove: WebSocketGenerator,
) -> None:
    """The cloud still lists the device: removing it is refused."""
    device = registered(hass, init_integration)["pTest_DEV-1"]
    response = await remove_device(hass, ws_remove, init_integration, device.id)
    assert not response["success"]
    assert "rejected by integration" in response["error"]["message"]
    assert dr.async_get(hass).async_get(device.id) is not None


async def test_remove_device_allowed_once_unlisted(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    ws_remove: WebSocketGenerator,
) -> None:
    """A registry device the cloud no longer lists can be removed."""
    registry = dr.async_get(hass)
    # Left over, e.g. from an earlier device list: not in the cloud's list.
    stale = registry.async_get_or_create(
        config_entry_id=init_integration.entry_id,
        identifiers={(DOMAIN, "pGone_GONE-1")},
    )
    response = await remove_device(hass, ws_remove, init_integration, stale.id)
    assert response["success"], response
    assert registry.async_get(stale.id) is None


async def test_remove_device_after_cloud_unbind(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Refused while listed, allowed once a poll no longer lists it."""
    device = registered(hass, init_integration)["pTest2_DEV-3"]
    assert not await async_remove_config_entry_device(hass, init_integration, device)
    simulator.remove_device("pTest2", "DEV-3")
    await init_integration.runtime_data.devices.async_refresh()
    assert await async_remove_config_entry_device(hass, init_integration, device)


async def test_remove_device_refused_when_not_loaded(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Without a loaded account the cloud's list is unknown: refused."""
    device = registered(hass, init_integration)["pTest_DEV-1"]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not await async_remove_config_entry_device(hass, init_integration, device)


async def test_keys_that_read_alike_are_two_devices(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """``pA_B``/``C`` and ``pA``/``B_C``: two devices, two Shares sensors."""
    simulator.add_device("pA_B", "C", "U1", name="Lamp AB")
    simulator.add_device("pA", "B_C", "U1", name="Lamp A")
    simulator.add_share("pA_B", "C", "U3")
    await poll(hass)

    ours = dr.async_entries_for_config_entry(
        dr.async_get(hass), init_integration.entry_id
    )
    by_keys = {(device.model_id, device.serial_number): device for device in ours}
    assert len(ours) == len(by_keys) == len(OWNED) + 2
    assert by_keys[("pA_B", "C")].name == "Lamp AB"
    assert by_keys[("pA", "B_C")].name == "Lamp A"
    identifiers = [device.identifiers for device in ours]
    assert len({frozenset(ids) for ids in identifiers}) == len(ours)

    sensors = er.async_entries_for_config_entry(
        er.async_get(hass), init_integration.entry_id
    )
    shares = {entity.device_id: hass.states.get(entity.entity_id) for entity in sensors}
    assert shares[by_keys[("pA_B", "C")].id].state == "1"  # type: ignore[union-attr]
    assert shares[by_keys[("pA", "B_C")].id].state == "0"  # type: ignore[union-attr]
    # The cloud still lists both: neither can be removed.
    for keys in (("pA_B", "C"), ("pA", "B_C")):
        assert not await async_remove_config_entry_device(
            hass, init_integration, by_keys[keys]
        )
