"""The Quectel IoT integration: share Quectel cloud devices from Home Assistant."""

from __future__ import annotations

from functools import partial

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.typing import ConfigType

from .api import Tokens, device_unique_id
from .cloud import create_client
from .const import CONF_TOKENS, DOMAIN, LOGGER
from .coordinator import (
    QuectelConfigEntry,
    QuectelDeviceCoordinator,
    QuectelRuntimeData,
    QuectelShareCoordinator,
)
from .devices import async_sync_devices, cloud_unique_id
from .entity import entity_unique_id
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once, for every account."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: QuectelConfigEntry) -> bool:
    """Log in (or reuse the stored tokens) and load the account's devices."""

    @callback
    def persist_tokens(tokens: Tokens) -> None:
        # Keep refreshed tokens, so that a restart does not log in again.
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_TOKENS: tokens.as_dict()}
        )

    client = create_client(hass, entry.data, persist_tokens)
    devices = QuectelDeviceCoordinator(hass, entry, client)
    await devices.async_config_entry_first_refresh()
    shares = QuectelShareCoordinator(hass, entry, client, devices)
    await shares.async_config_entry_first_refresh()
    entry.runtime_data = QuectelRuntimeData(
        client=client, devices=devices, shares=shares
    )

    async_sync_devices(hass, entry)
    entry.async_on_unload(
        devices.async_add_listener(partial(async_sync_devices, hass, entry))
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: QuectelConfigEntry) -> bool:
    """Bring an entry of an earlier version up to date.

    1.1 → 1.2: device ids were ``pk_dk``, which two devices could share
    (``pA_B``/``C`` and ``pA``/``B_C``); they are now `device_unique_id`. The
    device registry identifiers and the entities' unique ids are renamed in
    place, so names, areas and entity ids stay. An entry of a newer major
    version (a downgrade) is refused.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        await _async_migrate_pk_dk_ids(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


async def _async_migrate_pk_dk_ids(
    hass: HomeAssistant, entry: QuectelConfigEntry
) -> None:
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


async def async_unload_entry(hass: HomeAssistant, entry: QuectelConfigEntry) -> bool:
    """Unload the account."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: QuectelConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a device only once the cloud no longer lists it.

    Refused while the account is not loaded: what the cloud lists is unknown.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return False
    return cloud_unique_id(device) not in entry.runtime_data.devices.data
