"""Keeping the device registry in step with the cloud's device list."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .api import Device
from .const import DOMAIN
from .coordinator import QuectelConfigEntry

MANUFACTURER = "Quectel"


def device_info(device: Device) -> DeviceInfo:
    """Describe a cloud device for the device registry."""
    return DeviceInfo(
        identifiers={(DOMAIN, device.unique_id)},
        manufacturer=MANUFACTURER,
        name=device.name,
        model=device.product_name,
        model_id=device.product_key,
        serial_number=device.device_key,
    )


RECEIVED_IDENTIFIER_PREFIX = "received "


def received_identifier(entry: QuectelConfigEntry, unique_id: str) -> str:
    """Return the identifier of a device shared with the account ``entry``.

    Apart from the owned devices' (the owner's account may be loaded too) and
    per account (two accounts may receive the same device).
    """
    return f"{RECEIVED_IDENTIFIER_PREFIX}{entry.entry_id} {unique_id}"


def received_unique_id(entry: QuectelConfigEntry, identifier: str | None) -> str | None:
    """Return the cloud id of a device ``entry`` received, from its identifier."""
    prefix = received_identifier(entry, "")
    if identifier is None or not identifier.startswith(prefix):
        return None
    return identifier.removeprefix(prefix)


def received_device_info(entry: QuectelConfigEntry, device: Device) -> DeviceInfo:
    """Describe a device shared with the account for the device registry.

    Its name says it is shared with the account (translated), so that device
    pickers tell it from the owned ones. No ``model_id``: the guest form
    offers the devices of the products the account owns by their model id.
    """
    return DeviceInfo(
        identifiers={(DOMAIN, received_identifier(entry, device.unique_id))},
        manufacturer=MANUFACTURER,
        name=device.name,
        translation_key="received",
        translation_placeholders={"name": device.name},
        model=device.product_name,
        serial_number=device.device_key,
    )


def account_identifier(entry: QuectelConfigEntry) -> str:
    """Return the identifier of the account's own (service) device."""
    return f"account {entry.entry_id}"


def account_device_info(entry: QuectelConfigEntry) -> DeviceInfo:
    """Describe the account itself: where its request count is shown."""
    return DeviceInfo(
        identifiers={(DOMAIN, account_identifier(entry))},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=MANUFACTURER,
        model="Cloud account",
        name=entry.title,
    )


def cloud_unique_id(entry_device: dr.DeviceEntry) -> str | None:
    """Return the cloud id (`device_unique_id`) a registry device stands for."""
    return next(
        (uid for domain, uid in entry_device.identifiers if domain == DOMAIN), None
    )


@callback
def async_sync_devices(hass: HomeAssistant, entry: QuectelConfigEntry) -> None:
    """Register every owned and received device; remove those no longer listed."""
    coordinator = entry.runtime_data.devices
    if not coordinator.last_update_success:
        return  # an outage is not a reason to forget devices
    registry = dr.async_get(hass)
    listed = set(coordinator.data)
    for device in coordinator.data.values():
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, **device_info(device)
        )
    for device in coordinator.received.values():
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, **received_device_info(entry, device)
        )
        listed.add(received_identifier(entry, device.unique_id))
    account = account_identifier(entry)
    for entry_device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        unique_id = cloud_unique_id(entry_device)
        if entry_device.entry_type is DeviceEntryType.SERVICE:
            continue  # the account's own device, and its guests'
        if unique_id != account and unique_id not in listed:
            registry.async_update_device(
                entry_device.id, remove_config_entry_id=entry.entry_id
            )
