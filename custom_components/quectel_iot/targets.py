"""What an action acts on: cloud devices of loaded accounts, and their shares.

Devices are targeted by ``device_id`` (one or more Home Assistant devices),
or by ``product_key`` + ``device_key`` for templates, with an optional
``config_entry_id`` to pick the account.

A share is selected either by its ``share_code`` or by devices plus a
recipient (``email``, ``phone`` or ``uid``). A share code alone does not say
which account owns it: it is looked up in the accounts' share lists (as last
polled or refreshed); when no list has it, ``config_entry_id`` names the
account, or the only loaded account is used.

Devices shared *with* an account (received) are never targets of the share
actions: they are refused with their own error. Only ``leave_share`` acts
on them (`resolve_received`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .api import Device, Share, device_unique_id
from .compat import async_device_by_identifier, device_config_entry_id
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_KEY,
    ATTR_EMAIL,
    ATTR_PHONE,
    ATTR_PRODUCT_KEY,
    ATTR_SHARE_CODE,
    DOMAIN,
)
from .coordinator import QuectelConfigEntry
from .devices import cloud_unique_id, received_identifier, received_unique_id
from .exceptions import validation_error
from .share_view import DeviceFields, device_fields, share_fields
from .validation import RecipientInput

# --- devices ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetDevice:
    """A cloud device an action acts on, and the account that owns it."""

    entry: QuectelConfigEntry
    device: Device
    device_id: str | None

    @property
    def label(self) -> str:
        """How error messages name the device: by its name, as people know it."""
        return self.device.name

    def describe(self) -> DeviceFields:
        """Return the fields that name the device in responses and events."""
        return device_fields(self.device_id, self.device)


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
    """Return the loaded account ``entry_id`` names, or raise a validation error."""
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


def _registry_device_id(
    hass: HomeAssistant, entry: QuectelConfigEntry, unique_id: str
) -> str | None:
    device_entry = async_device_by_identifier(
        dr.async_get(hass), (DOMAIN, unique_id), entry.entry_id
    )
    return device_entry.id if device_entry else None


def _by_device_id(hass: HomeAssistant, device_id: str) -> TargetDevice:
    device_entry = dr.async_get(hass).async_get(device_id)
    unique_id = cloud_unique_id(device_entry) if device_entry else None
    if device_entry is None or unique_id is None:
        raise validation_error("unknown_device", device=device_id)
    # One cloud device belongs to one account: its primary config entry.
    entry = loaded_entry(hass, device_config_entry_id(device_entry))
    device = entry.runtime_data.devices.data.get(unique_id)
    if device is None:
        name = device_entry.name or device_id
        if received_unique_id(entry, unique_id) in entry.runtime_data.devices.received:
            raise validation_error("device_received", device=name)
        raise validation_error("unknown_device", device=name)
    return TargetDevice(entry, device, device_id)


def _by_keys(
    hass: HomeAssistant, product_key: str, device_key: str, entry_id: str | None
) -> TargetDevice:
    unique_id = device_unique_id(product_key, device_key)
    entries = loaded_entries(hass, entry_id)
    matches = [
        entry for entry in entries if unique_id in entry.runtime_data.devices.data
    ]
    if not matches:
        if any(unique_id in entry.runtime_data.devices.received for entry in entries):
            raise validation_error("device_received", device=unique_id)
        raise validation_error("unknown_device", device=unique_id)
    if len(matches) > 1:
        raise validation_error("device_ambiguous", device=unique_id)
    entry = matches[0]
    return TargetDevice(
        entry,
        entry.runtime_data.devices.data[unique_id],
        _registry_device_id(hass, entry, unique_id),
    )


# --- shares -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectedShare:
    """A share an action changes, the account that owns it and its device."""

    entry: QuectelConfigEntry
    share_code: str
    target: TargetDevice | None
    share: Share | None
    recipient_type: str | None

    def describe(self) -> DeviceFields:
        """Return the fields naming the share in responses and events."""
        device = self.target.describe() if self.target else device_fields(None, None)
        return share_fields(device, self.share_code)


def share_by_code(hass: HomeAssistant, data: Mapping[str, Any]) -> SelectedShare:
    """Return the share ``data``'s ``share_code`` names, and its account."""
    share_code: str = data[ATTR_SHARE_CODE]
    entries = loaded_entries(hass, data.get(ATTR_CONFIG_ENTRY_ID))
    for entry in entries:
        for unique_id, shares in (entry.runtime_data.shares.data or {}).items():
            device = entry.runtime_data.devices.data.get(unique_id)
            if device is None:
                continue
            for share in shares:
                if share.share_code == share_code:
                    target = TargetDevice(
                        entry, device, _registry_device_id(hass, entry, unique_id)
                    )
                    return SelectedShare(entry, share_code, target, share, None)
    # An account that holds the code as a share it received does not own it.
    owners = [entry for entry in entries if _received_by(entry, share_code) is None]
    if entries and not owners:
        device = _received_by(entries[0], share_code)
        name = device.name if device else share_code
        raise validation_error("device_received", device=name)
    if len(owners) != 1:
        raise validation_error("share_code_unknown", share_code=share_code)
    # Made outside Home Assistant since the last poll: the cloud will tell.
    return SelectedShare(owners[0], share_code, None, None, None)


def _received_by(entry: QuectelConfigEntry, share_code: str) -> Device | None:
    """Return the device ``entry``'s account holds by ``share_code``, if any."""
    return next(
        (
            device
            for device in entry.runtime_data.devices.received.values()
            if device.share_code == share_code
        ),
        None,
    )


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def recipient_matches(share: Share, recipient: RecipientInput) -> bool:
    """Whether ``share`` is to the recipient an action named."""
    if recipient.type == ATTR_EMAIL:
        email = share.recipient.email
        return email is not None and email.casefold() == recipient.value.casefold()
    if recipient.type == ATTR_PHONE:
        phone = share.recipient.phone
        return phone is not None and _digits(phone) == _digits(recipient.value)
    return share.recipient.uid == recipient.value


def active_shares_to(
    shares: list[Share], recipient: RecipientInput, now: datetime
) -> list[Share]:
    """Return the shares in force to ``recipient``."""
    return [
        share
        for share in shares
        if share.is_active(now) and recipient_matches(share, recipient)
    ]


# --- devices shared with an account ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceivedTarget:
    """A device shared with a loaded account, which it may give back."""

    entry: QuectelConfigEntry
    device: Device
    device_id: str
    share_code: str

    @property
    def label(self) -> str:
        """How error messages name the device."""
        return self.device.name

    def describe(self) -> DeviceFields:
        """Return the fields that name the device in responses."""
        return device_fields(self.device_id, self.device)


def received_device_id(
    hass: HomeAssistant, entry: QuectelConfigEntry, device: Device
) -> str | None:
    """Return the registry id of a device shared with ``entry``, once registered."""
    return _registry_device_id(
        hass, entry, received_identifier(entry, device.unique_id)
    )


def resolve_received(
    hass: HomeAssistant, device_ids: list[str]
) -> list[ReceivedTarget]:
    """Return the received devices ``device_ids`` name, or raise a validation error."""
    targets = [_received_by_device_id(hass, device_id) for device_id in device_ids]
    return list({target.device_id: target for target in targets}.values())


def _received_by_device_id(hass: HomeAssistant, device_id: str) -> ReceivedTarget:
    device_entry = dr.async_get(hass).async_get(device_id)
    name = (device_entry.name if device_entry else None) or device_id
    identifier = cloud_unique_id(device_entry) if device_entry else None
    if device_entry is None or identifier is None:  # not a device of ours
        raise validation_error("not_a_received_device", device=name)
    entry = loaded_entry(hass, device_config_entry_id(device_entry))
    unique_id = received_unique_id(entry, identifier)
    device = entry.runtime_data.devices.received.get(unique_id or "")
    if device is None or device.share_code is None:
        raise validation_error("not_a_received_device", device=name)
    return ReceivedTarget(entry, device, device_id, device.share_code)
