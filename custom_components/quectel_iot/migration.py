"""Migrating an entry's registry entries from an earlier version."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .api import device_unique_id
from .const import DOMAIN, LOGGER
from .coordinator import QuectelConfigEntry
from .devices import cloud_unique_id
from .entity import entity_unique_id


async def async_migrate_ids(hass: HomeAssistant, entry: QuectelConfigEntry) -> None:
    """Rename the ``pk_dk`` ids of the entry's devices and entities (1.1 → 1.2).

    A ``pk_dk`` id cannot be split when keys contain ``_``: the keys come from
    the registry device itself (``model_id`` is the product key,
    ``serial_number`` the device key, as registered since 1.1). A device
    without them keeps its id: for product keys without ``_`` or ``%`` (all
    real ones seen so far) the id did not change.
    """
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    renamed: dict[str, tuple[str, str]] = {}  # registry id -> (old id, new id)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        old = cloud_unique_id(device)
        product_key, device_key = device.model_id, device.serial_number
        if old is None or product_key is None or device_key is None:
            continue
        v1, new = (
            f"{product_key}_{device_key}",
            device_unique_id(product_key, device_key),
        )
        if v1 == new:
            continue  # the same id in both versions
        if old == v1:
            try:
                devices.async_update_device(
                    device.id,
                    new_identifiers=(device.identifiers - {(DOMAIN, old)})
                    | {(DOMAIN, new)},
                )
            except dr.DeviceIdentifierCollisionError:
                LOGGER.warning("Device %s: id %s already taken", device.id, new)
                continue
        elif old != new:  # not renamed already by another entry of the device
            LOGGER.warning("Device %s: id %s not migrated", device.id, old)
            continue
        renamed[device.id] = (v1, new)

    @callback
    def rename(entity: er.RegistryEntry) -> dict[str, str] | None:
        old, new = renamed.get(entity.device_id or "", ("", ""))
        if not old or not entity.unique_id.startswith(f"{old}_"):
            return None
        unique_id = entity_unique_id(new, entity.unique_id.removeprefix(f"{old}_"))
        if entities.async_get_entity_id(entity.domain, DOMAIN, unique_id):
            LOGGER.warning(
                "Entity %s: id %s already taken", entity.entity_id, unique_id
            )
            return None
        return {"new_unique_id": unique_id}

    await er.async_migrate_entries(hass, entry.entry_id, rename)
