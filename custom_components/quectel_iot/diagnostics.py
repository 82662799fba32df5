"""Diagnostics of an account and of its devices, secrets and contacts redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import Device
from .budget import RequestBudget
from .const import (
    CONF_BASE_URL,
    CONF_DATA_CENTER,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_PHONE,
    CONF_TOKENS,
    CONF_USER_DOMAIN,
    CONF_USER_DOMAIN_SECRET,
)
from .coordinator import QuectelConfigEntry
from .devices import cloud_unique_id, received_unique_id
from .exceptions import next_reset
from .share_view import diagnostics_share, iso

TO_REDACT = {
    CONF_PASSWORD,
    CONF_USER_DOMAIN_SECRET,
    CONF_TOKENS,
    "access_token",
    "refresh_token",
    "auth_key",
    "authKey",
    CONF_EMAIL,
    CONF_PHONE,
    # The entry's title is the account's email address or phone number.
    "title",
    # Who the devices are shared with, and the codes that name the shares.
    "uid",
    "owner_uid",
    "nickname",
    "share_code",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: QuectelConfigEntry
) -> dict[str, Any]:
    """Return the account, its devices, their shares and the polling state."""
    coordinator = entry.runtime_data.devices
    return _diagnostics(entry, [*(coordinator.data or {}), *coordinator.received])


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: QuectelConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return the account, one device, its shares and the polling state."""
    identifier = cloud_unique_id(device)
    unique_id = received_unique_id(entry, identifier) or identifier
    return _diagnostics(entry, [unique_id] if unique_id else [])


def _diagnostics(entry: QuectelConfigEntry, unique_ids: list[str]) -> dict[str, Any]:
    runtime = entry.runtime_data
    devices = runtime.devices.data or {}
    received = runtime.devices.received
    shares = runtime.shares.data or {}
    now = dt_util.utcnow()
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "version": entry.version,
                "data": dict(entry.data),
            },
            "account": {
                "uid": entry.unique_id,
                "user_domain": entry.data.get(CONF_USER_DOMAIN),
                "data_center": entry.data.get(CONF_DATA_CENTER),
                "base_url": entry.data.get(CONF_BASE_URL),
            },
            "devices": [
                {
                    **_device(devices[unique_id]),
                    "shares": (
                        [diagnostics_share(share, now) for share in shares[unique_id]]
                        if unique_id in shares
                        else None
                    ),
                    "shares_read_at": iso(runtime.shares.read_at.get(unique_id)),
                    "shares_read_error": _error(runtime.shares.failed.get(unique_id)),
                }
                for unique_id in unique_ids
                if unique_id in devices
            ],
            "received_devices": [
                {
                    **_device(received[unique_id]),
                    "share_code": received[unique_id].share_code,
                    "owner_uid": received[unique_id].owner_uid,
                    "access_ends_at": iso(received[unique_id].share_expires_at),
                }
                for unique_id in unique_ids
                if unique_id in received
            ],
            "coordinators": {
                "devices": _coordinator(runtime.devices),
                "shares": {
                    **_coordinator(runtime.shares),
                    "seconds_between_reads_of_a_device": (
                        runtime.shares.period.total_seconds()
                    ),
                    "lists_read": len(runtime.shares.read_at),
                    "lists_failing": len(runtime.shares.failed),
                },
            },
            "requests": _requests(runtime.budget, now),
        },
        TO_REDACT,
    )


def _requests(budget: RequestBudget, now: datetime) -> dict[str, Any]:
    return {
        "today": budget.spent_today(now),
        "daily_budget": budget.limit,
        "polling_limit": budget.polling_limit,
        "reserve_for_actions": budget.reserve,
        "resets_at": iso(next_reset(now)),
        "held_until": iso(budget.blocked_until),
        "held_by_code": budget.block_code,
    }


def _error(error: BaseException | None) -> str | None:
    return f"{type(error).__name__}: {error}" if error else None


def _device(device: Device) -> dict[str, Any]:
    return {
        "unique_id": device.unique_id,
        "product_key": device.product_key,
        "device_key": device.device_key,
        "name": device.name,
        "product_name": device.product_name,
        "device_type": device.device_type,
        "auth_key": device.auth_key,
        "verified": device.verified,
        "online": device.online,
    }


def _coordinator(coordinator: DataUpdateCoordinator[Any]) -> dict[str, Any]:
    interval = coordinator.update_interval
    return {
        "last_update_success": coordinator.last_update_success,
        "last_exception": _error(coordinator.last_exception),
        "update_interval_seconds": interval.total_seconds() if interval else None,
    }
