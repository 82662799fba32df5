"""Keeping the device registry in step with the cloud's device list."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

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


def cloud_unique_id(entry_device: dr.DeviceEntry) -> str | None:
    """Return the cloud id (`device_unique_id`) a registry device stands for."""
    return next(
        (uid for domain, uid in entry_device.identifiers if domain == DOMAIN), None
    )


@callback
def async_sync_devices(hass: HomeAssistant, entry: QuectelConfigEntry) -> None:
    """Register every owned device; remove those the cloud no longer lists."""
    if not entry.runtime_data.devices.last_update_success:
        return  # an outage is not a reason to forget devices
    registry = dr.async_get(hass)
    listed = entry.runtime_data.devices.data
    for device in listed.values():
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, **device_info(device)
        )
    for entry_device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if cloud_unique_id(entry_device) not in listed:
            registry.async_update_device(
                entry_device.id, remove_config_entry_id=entry.entry_id
            )
