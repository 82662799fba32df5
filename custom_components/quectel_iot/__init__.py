"""The Quectel IoT integration: share Quectel cloud devices from Home Assistant."""

from __future__ import annotations

from functools import partial

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
)
from homeassistant.helpers.typing import ConfigType

from .api import Tokens
from .budget import DEFAULT_DAILY_BUDGET, RequestBudget
from .cloud import create_client
from .const import CONF_DAILY_BUDGET, CONF_TOKENS, DOMAIN
from .coordinator import (
    QuectelConfigEntry,
    QuectelDeviceCoordinator,
    QuectelRuntimeData,
    QuectelShareCoordinator,
)
from .devices import (
    account_identifier,
    async_sync_devices,
    cloud_unique_id,
    received_unique_id,
)
from .guests import GUEST_IDENTIFIER_PREFIX, GuestManager
from .invite_watch import InvitationWatch, async_forget_invitations
from .issues import RECONFIGURE_ISSUE, async_clear_issue
from .migration import async_migrate_ids
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [Platform.BUTTON, Platform.IMAGE, Platform.SENSOR]


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

    budget = RequestBudget(
        hass, entry.entry_id, entry.options.get(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET)
    )
    await budget.async_load()
    entry.async_on_unload(budget.async_shutdown)
    client = create_client(hass, entry.data, persist_tokens, budget)
    devices = QuectelDeviceCoordinator(hass, entry, client, budget)
    await devices.async_config_entry_first_refresh()
    shares = QuectelShareCoordinator(hass, entry, client, devices, budget)
    await shares.async_config_entry_first_refresh()
    async_clear_issue(hass, RECONFIGURE_ISSUE, entry.entry_id)
    entry.runtime_data = QuectelRuntimeData(
        client=client, budget=budget, devices=devices, shares=shares
    )
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))

    async_sync_devices(hass, entry)
    entry.async_on_unload(
        devices.async_add_listener(partial(async_sync_devices, hass, entry))
    )
    guests = GuestManager(hass, entry)
    await guests.async_start()
    entry.async_on_unload(guests.async_stop)
    entry.async_on_unload(entry.add_update_listener(guests.async_entry_updated))
    await InvitationWatch(hass, entry).async_start()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_options_updated(
    hass: HomeAssistant, entry: QuectelConfigEntry
) -> None:
    """Apply a new daily budget at once; polling paces itself from it."""
    entry.runtime_data.budget.limit = entry.options.get(
        CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET
    )


async def async_migrate_entry(hass: HomeAssistant, entry: QuectelConfigEntry) -> bool:
    """Bring an entry of an earlier version up to date.

    1.1 → 1.2: device ids that two devices could share are renamed in the
    registries (`migration.async_migrate_ids`). An entry of a newer major
    version (a downgrade) is refused.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        await async_migrate_ids(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: QuectelConfigEntry) -> bool:
    """Unload the account, keeping today's request count."""
    await entry.runtime_data.budget.async_save()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: QuectelConfigEntry) -> None:
    """Forget the removed account's request count and open invitations."""
    await RequestBudget(hass, entry.entry_id).async_remove()
    await async_forget_invitations(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: QuectelConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a device only once the cloud no longer lists it.

    Refused while the account is not loaded: what the cloud lists is unknown.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return False
    unique_id = cloud_unique_id(device)
    devices = entry.runtime_data.devices
    return (
        unique_id != account_identifier(entry)
        and not (unique_id or "").startswith(GUEST_IDENTIFIER_PREFIX)
        and unique_id not in devices.data
        and received_unique_id(entry, unique_id) not in devices.received
    )
