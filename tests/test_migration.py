"""Config entry 1.1 → 1.2: device ids that two devices cannot share.

Version 1.1 named a device ``pk_dk``: ``pA_B``/``C`` and ``pA``/``B_C`` were
one device. The registries are prepared exactly as 1.1 left them (device
identifier ``pk_dk``, ``model_id`` the product key, ``serial_number`` the
device key, the Shares sensor ``pk_dk_shares``), then the entry is set up
against the simulator.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.config_flow import QuectelConfigFlow
from custom_components.quectel_iot.const import DOMAIN
from custom_components.quectel_iot.devices import MANUFACTURER
from simulator import Simulator

from .conftest import OWNER_EMAIL, OWNER_UID

GUEST_UID = "U3"


def v1_entry(
    hass: HomeAssistant, data: dict[str, Any], **kwargs: Any
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=OWNER_EMAIL,
        unique_id=OWNER_UID,
        data=data,
        **({"version": 1, "minor_version": 1} | kwargs),
    )
    entry.add_to_hass(hass)
    return entry


def v1_device(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    product_key: str,
    device_key: str,
    object_id: str,
) -> tuple[dr.DeviceEntry, er.RegistryEntry]:
    """Register a device and its Shares sensor the way version 1.1 did."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, f"{product_key}_{device_key}")},
        manufacturer=MANUFACTURER,
        name=f"{product_key} {device_key}",
        model_id=product_key,
        serial_number=device_key,
    )
    sensor = er.async_get(hass).async_get_or_create(
        "sensor",
        DOMAIN,
        f"{product_key}_{device_key}_shares",
        config_entry=entry,
        device_id=device.id,
        suggested_object_id=object_id,
    )
    return device, sensor


async def test_migration_keeps_names_areas_and_entity_ids(
    hass: HomeAssistant, simulator: Simulator, entry_data: dict[str, Any]
) -> None:
    simulator.add_device("pA_B", "C", "U1", name="Lamp AB")
    simulator.add_device("pA", "B_C", "U1", name="Lamp A")
    simulator.add_share("pA_B", "C", GUEST_UID)
    entry = v1_entry(hass, entry_data)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    hall = ar.async_get(hass).async_create("Hall")
    # 1.1 knew one device "pA_B_C": the last listed of the two (here pA_B/C).
    lamp, lamp_sensor = v1_device(hass, entry, "pA_B", "C", "hall_lamp_shares")
    devices.async_update_device(lamp.id, name_by_user="Hall lamp", area_id=hall.id)
    door, door_sensor = v1_device(hass, entry, "pTest", "DEV-1", "front_door_shares")
    devices.async_update_device(door.id, name_by_user="Front door")

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (
        QuectelConfigFlow.VERSION,
        QuectelConfigFlow.MINOR_VERSION,
    )
    # The same registry devices, named and placed as the user left them.
    kept = devices.async_get(lamp.id)
    assert kept is not None
    assert (kept.name_by_user, kept.area_id) == ("Hall lamp", hall.id)
    assert (kept.model_id, kept.serial_number) == ("pA_B", "C")
    assert devices.async_get(door.id) is not None
    assert devices.async_get(door.id).name_by_user == "Front door"  # type: ignore[union-attr]
    # The other device of the old collision is a device of its own now.
    ours = dr.async_entries_for_config_entry(devices, entry.entry_id)
    by_keys = {(d.model_id, d.serial_number): d for d in ours}
    assert len(ours) == len(by_keys) == 6
    assert by_keys[("pA", "B_C")].id != lamp.id
    assert by_keys[("pA", "B_C")].name == "Lamp A"
    # Same entity ids, fed by the right devices (pA_B/C has one share).
    sensors = er.async_entries_for_config_entry(entities, entry.entry_id)
    assert len(sensors) == 6
    assert lamp_sensor.entity_id == "sensor.hall_lamp_shares"
    migrated = entities.async_get(lamp_sensor.entity_id)
    assert migrated is not None
    assert migrated.device_id == lamp.id
    assert hass.states.get(lamp_sensor.entity_id).state == "1"  # type: ignore[union-attr]
    assert hass.states.get(door_sensor.entity_id).state == "0"  # type: ignore[union-attr]
    other = [s for s in sensors if s.device_id == by_keys[("pA", "B_C")].id]
    assert len(other) == 1
    assert hass.states.get(other[0].entity_id).state == "0"  # type: ignore[union-attr]
    # No entity was left behind without its device.
    assert {s.device_id for s in sensors} == {d.id for d in ours}


async def test_migration_is_done_once(
    hass: HomeAssistant, simulator: Simulator, entry_data: dict[str, Any]
) -> None:
    """A reload after the migration changes nothing."""
    simulator.add_device("pA_B", "C", "U1", name="Lamp AB")
    entry = v1_entry(hass, entry_data)
    lamp, lamp_sensor = v1_device(hass, entry, "pA_B", "C", "hall_lamp_shares")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get(lamp.id)
    sensor = er.async_get(hass).async_get(lamp_sensor.entity_id)
    assert device is not None
    assert sensor is not None

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert dr.async_get(hass).async_get(lamp.id) == device
    assert er.async_get(hass).async_get(lamp_sensor.entity_id) == sensor


async def test_entry_of_a_newer_major_version_is_not_touched(
    hass: HomeAssistant, simulator: Simulator, entry_data: dict[str, Any]
) -> None:
    """A downgrade: the entry is not set up rather than misread."""
    entry = v1_entry(hass, entry_data, version=QuectelConfigFlow.VERSION + 1)

    assert not await hass.config_entries.async_setup(entry.entry_id)

    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert simulator.requests == []
