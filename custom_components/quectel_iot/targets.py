"""Resolving an action's target to cloud devices of loaded accounts.

An action targets devices by ``device_id`` (one or more Home Assistant
devices), or by ``product_key`` + ``device_key`` for templates, with an
optional ``config_entry_id`` to pick the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .api import Device
from .const import DOMAIN
from .coordinator import QuectelConfigEntry
from .devices import cloud_unique_id
from .validation import device_key_field, validation_error

ATTR_PRODUCT_KEY = "product_key"
ATTR_DEVICE_KEY = "device_key"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"

TARGET_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_DEVICE_ID): vol.All(
        cv.ensure_list, [cv.string], vol.Length(min=1)
    ),
    vol.Optional(ATTR_PRODUCT_KEY): device_key_field,
    vol.Optional(ATTR_DEVICE_KEY): device_key_field,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}


@dataclass(frozen=True, slots=True)
class TargetDevice:
    """A cloud device an action acts on, and the account that owns it."""

    entry: QuectelConfigEntry
    device: Device
    device_id: str | None

    def describe(self) -> dict[str, str | None]:
        """Return the fields that name the device in responses and events."""
        return {
            "device_id": self.device_id,
            "product_key": self.device.product_key,
            "device_key": self.device.device_key,
        }


def resolve_targets(hass: HomeAssistant, data: Mapping[str, Any]) -> list[TargetDevice]:
    """Return the devices an action targets, or raise a validation error."""
    device_ids: list[str] | None = data.get(ATTR_DEVICE_ID)
    product_key: str | None = data.get(ATTR_PRODUCT_KEY)
    device_key: str | None = data.get(ATTR_DEVICE_KEY)
    if device_ids and (product_key or device_key):
        raise validation_error("target_ambiguous")
    if device_ids:
        targets = [_by_device_id(hass, device_id) for device_id in device_ids]
        return list({target.device.unique_id: target for target in targets}.values())
    if product_key and device_key:
        return [_by_keys(hass, product_key, device_key, data.get(ATTR_CONFIG_ENTRY_ID))]
    if product_key or device_key:
        raise validation_error("keys_incomplete")
    raise validation_error("target_missing")


def loaded_entry(hass: HomeAssistant, entry_id: str | None) -> QuectelConfigEntry:
    entry = hass.config_entries.async_get_entry(entry_id) if entry_id else None
    if entry is None or entry.domain != DOMAIN:
        raise validation_error("unknown_config_entry", config_entry_id=str(entry_id))
    if entry.state is not ConfigEntryState.LOADED:
        raise validation_error("entry_not_loaded", title=entry.title)
    return entry


def loaded_entries(
    hass: HomeAssistant, entry_id: str | None
) -> list[QuectelConfigEntry]:
    """Return the entry ``entry_id`` names, or else every loaded account."""
    if entry_id is not None:
        return [loaded_entry(hass, entry_id)]
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def _by_device_id(hass: HomeAssistant, device_id: str) -> TargetDevice:
    device_entry = dr.async_get(hass).async_get(device_id)
    unique_id = cloud_unique_id(device_entry) if device_entry else None
    if device_entry is None or unique_id is None:
        raise validation_error("unknown_device", device=device_id)
    # One cloud device belongs to one account: its primary config entry.
    entry = loaded_entry(hass, device_entry.primary_config_entry)
    device = entry.runtime_data.devices.data.get(unique_id)
    if device is None:
        raise validation_error("unknown_device", device=device_entry.name or device_id)
    return TargetDevice(entry, device, device_id)


def _by_keys(
    hass: HomeAssistant, product_key: str, device_key: str, entry_id: str | None
) -> TargetDevice:
    unique_id = f"{product_key}_{device_key}"
    entries = loaded_entries(hass, entry_id)
    matches = [
        entry for entry in entries if unique_id in entry.runtime_data.devices.data
    ]
    if not matches:
        raise validation_error("unknown_device", device=unique_id)
    if len(matches) > 1:
        raise validation_error("device_ambiguous", device=unique_id)
    entry = matches[0]
    device_entry = dr.async_get(hass).async_get_device(
        identifiers={(DOMAIN, unique_id)}
    )
    return TargetDevice(
        entry,
        entry.runtime_data.devices.data[unique_id],
        device_entry.id if device_entry else None,
    )
