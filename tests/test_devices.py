"""The device registry follows the devices the account owns in the cloud."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.amber import AmberSnapshotExtension
from syrupy.location import PyTestLocation

from custom_components.quectel_iot import async_remove_config_entry_device
from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.compat import device_config_entry_id
from custom_components.quectel_iot.const import DEVICE_SCAN_INTERVAL, DOMAIN
from custom_components.quectel_iot.coordinator import GONE_CONFIRM_AFTER
from custom_components.quectel_iot.devices import (
    MANUFACTURER,
    account_identifier,
    async_sync_devices,
)
from simulator import Fault, Simulator

from .conftest import (
    advance,
    cloud_device,
    cloud_devices,
    received_devices,
    registry_device,
)

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
    """The entry's cloud devices in the registry, by their ``pk_dk`` identifier.

    The account's own service device is left out.
    """
    return {
        identifier: device
        for device in cloud_devices(hass, entry)
        for domain, identifier in device.identifiers
        if domain == DOMAIN
    }


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the device list's scheduled poll run."""
    await advance(hass, freezer, DEVICE_SCAN_INTERVAL)


async def confirm_gone(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the poll that confirms a missing device run (`GONE_CONFIRM_AFTER` on)."""
    await advance(hass, freezer, GONE_CONFIRM_AFTER)


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
    assert device_config_entry_id(device) == init_integration.entry_id
    # What the integration registers (the registry's own fields differ by
    # Home Assistant version).
    assert [
        {
            "identifiers": sorted(devices[key].identifiers),
            "manufacturer": devices[key].manufacturer,
            "model": devices[key].model,
            "model_id": devices[key].model_id,
            "name": devices[key].name,
            "serial_number": devices[key].serial_number,
            "entry_type": devices[key].entry_type,
        }
        for key in sorted(devices)
    ] == snapshot


async def test_shared_with_account_registered_apart(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device another user shared with the account is not its to share.

    It is registered as a device of its own kind, never among the owned ones.
    """
    assert ("pOther", "OTHER-1") in simulator.devices
    assert simulator.active_shares("pOther", "OTHER-1")
    assert cloud_device(hass, "pOther", "OTHER-1") is None
    assert "pOther_OTHER-1" not in init_integration.runtime_data.devices.data
    assert set(received_devices(hass, init_integration)) == {"OTHER-1"}
    # A device shared later joins them at the next poll.
    simulator.add_device("pOther", "OTHER-2", "U4", name="Other 2")
    simulator.add_share("pOther", "OTHER-2", "U1")
    await poll(hass, freezer)
    assert set(registered(hass, init_integration)) == OWNED
    assert set(received_devices(hass, init_integration)) == {"OTHER-1", "OTHER-2"}


async def test_added_device_appears_after_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.add_device("pNew", "NEW-1", "U1", name="New device", product_name="New")
    assert "pNew_NEW-1" not in registered(hass, init_integration)
    await poll(hass, freezer)
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
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The registry follows a name changed in the app."""
    simulator.devices[("pTest", "DEV-1")].name = "Kitchen"
    await poll(hass, freezer)
    assert registered(hass, init_integration)["pTest_DEV-1"].name == "Kitchen"


async def test_removed_device_removed(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Removed once two lists, `GONE_CONFIRM_AFTER` apart, both lack it."""
    registry = dr.async_get(hass)
    device_id = registered(hass, init_integration)["pTest_DEV-2"].id
    simulator.remove_device("pTest", "DEV-2")
    await poll(hass, freezer)
    # One list without it is not enough: it could be a momentary gap.
    assert set(registered(hass, init_integration)) == OWNED
    await confirm_gone(hass, freezer)
    assert set(registered(hass, init_integration)) == OWNED - {"pTest_DEV-2"}
    assert registry.async_get(device_id) is None


async def test_device_missing_from_one_list_only_is_kept(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device missing from one list and back in the next stays registered."""
    registry = dr.async_get(hass)
    device = registered(hass, init_integration)["pTest_DEV-2"]
    saved = simulator.devices.pop(("pTest", "DEV-2"))
    await poll(hass, freezer)
    # The list lacked it: the coordinator looks again soon.
    assert init_integration.runtime_data.devices.update_interval == GONE_CONFIRM_AFTER
    simulator.devices[("pTest", "DEV-2")] = saved
    await confirm_gone(hass, freezer)
    assert set(registered(hass, init_integration)) == OWNED
    assert registry.async_get(device.id) == device
    assert init_integration.runtime_data.devices.update_interval == (
        DEVICE_SCAN_INTERVAL
    )
    # Missing again later: two new lists are needed to drop it.
    simulator.remove_device("pTest", "DEV-2")
    await poll(hass, freezer)
    assert set(registered(hass, init_integration)) == OWNED
    await confirm_gone(hass, freezer)
    assert set(registered(hass, init_integration)) == OWNED - {"pTest_DEV-2"}


async def test_device_kept_during_outage(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Failed polls remove nothing; two good ones apart in time do."""
    devices = init_integration.runtime_data.devices
    simulator.remove_device("pTest", "DEV-2")
    simulator.inject(Fault.HTTP_503, endpoint=Endpoint.DEVICE_LIST)
    await poll(hass, freezer)
    assert not devices.last_update_success
    assert set(registered(hass, init_integration)) == OWNED
    # However long the outage lasts.
    await confirm_gone(hass, freezer)
    await poll(hass, freezer)
    assert not devices.last_update_success
    assert set(registered(hass, init_integration)) == OWNED

    simulator.clear_faults()
    await poll(hass, freezer)
    assert devices.last_update_success
    assert set(registered(hass, init_integration)) == OWNED
    await confirm_gone(hass, freezer)
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
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Removing a device the cloud no longer lists leaves others' devices alone."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    registry = dr.async_get(hass)
    device = registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    simulator.remove_device("pTest2", "DEV-3")
    await poll(hass, freezer)
    await confirm_gone(hass, freezer)
    kept = registry.async_get(device.id)
    assert kept is not None
    assert device_config_entry_id(kept) == other.entry_id
    assert cloud_device(hass, "pTest2", "DEV-3") is None


# Home Assistant 2026.8 gave every device a single config entry.
MULTI_ENTRY_DEVICES = not hasattr(dr.DeviceEntry, "config_entry_id")


@pytest.mark.skipif(
    not MULTI_ENTRY_DEVICES,
    reason="since Home Assistant 2026.8 a device belongs to one config entry only",
)
async def test_device_shared_with_another_entry_only_loses_ours(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Before 2026.8: a device shared with another config entry keeps it."""
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
    await poll(hass, freezer)
    await confirm_gone(hass, freezer)
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
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Refused while listed, allowed once two polls apart no longer list it."""
    devices = init_integration.runtime_data.devices
    device = registered(hass, init_integration)["pTest2_DEV-3"]
    assert not await async_remove_config_entry_device(hass, init_integration, device)
    simulator.remove_device("pTest2", "DEV-3")
    await devices.async_refresh()
    # Not yet confirmed gone: still refused.
    assert not await async_remove_config_entry_device(hass, init_integration, device)
    freezer.tick(GONE_CONFIRM_AFTER)
    await devices.async_refresh()
    assert await async_remove_config_entry_device(hass, init_integration, device)


async def test_remove_device_refused_when_not_loaded(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Without a loaded account the cloud's list is unknown: refused."""
    device = registered(hass, init_integration)["pTest_DEV-1"]
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not await async_remove_config_entry_device(hass, init_integration, device)


async def test_account_service_device(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The account's service device: kept by every sync, never removable."""
    entry = init_integration
    registry = dr.async_get(hass)
    account = registry_device(hass, f"account {entry.entry_id}")
    assert account is not None
    assert account_identifier(entry) == f"account {entry.entry_id}"
    assert account.entry_type is dr.DeviceEntryType.SERVICE
    assert device_config_entry_id(account) == entry.entry_id
    assert account.name == entry.title
    assert account.manufacturer == MANUFACTURER
    # It is the only device of the entry besides the cloud's (owned and received).
    assert {
        device.id
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    } == (
        {account.id}
        | {device.id for device in registered(hass, entry).values()}
        | {device.id for device in received_devices(hass, entry).values()}
    )

    # Syncing with the cloud's list, which never holds it, keeps it.
    async_sync_devices(hass, entry)
    simulator.remove_device("pTest", "DEV-1")
    await poll(hass, freezer)
    await confirm_gone(hass, freezer)
    assert "pTest_DEV-1" not in registered(hass, entry)
    assert registry.async_get(account.id) == account

    # It cannot be removed by hand.
    assert not await async_remove_config_entry_device(hass, entry, account)
    assert registry.async_get(account.id) is not None


async def test_keys_that_read_alike_are_two_devices(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """``pA_B``/``C`` and ``pA``/``B_C``: two devices, two Shares sensors."""
    simulator.add_device("pA_B", "C", "U1", name="Lamp AB")
    simulator.add_device("pA", "B_C", "U1", name="Lamp A")
    simulator.add_share("pA_B", "C", "U3")
    await poll(hass, freezer)

    ours = cloud_devices(hass, init_integration)
    by_keys = {(device.model_id, device.serial_number): device for device in ours}
    assert len(ours) == len(by_keys) == len(OWNED) + 2
    assert by_keys[("pA_B", "C")].name == "Lamp AB"
    assert by_keys[("pA", "B_C")].name == "Lamp A"
    identifiers = [device.identifiers for device in ours]
    assert len({frozenset(ids) for ids in identifiers}) == len(ours)

    sensors = er.async_entries_for_config_entry(
        er.async_get(hass), init_integration.entry_id
    )
    shares = {
        entity.device_id: hass.states.get(entity.entity_id)
        for entity in sensors
        if entity.device_id in {device.id for device in ours}
    }
    assert shares[by_keys[("pA_B", "C")].id].state == "1"  # type: ignore[union-attr]
    assert shares[by_keys[("pA", "B_C")].id].state == "0"  # type: ignore[union-attr]
    # The cloud still lists both: neither can be removed.
    for keys in (("pA_B", "C"), ("pA", "B_C")):
        assert not await async_remove_config_entry_device(
            hass, init_integration, by_keys[keys]
        )
