"""Describe the integration's sharing events in the logbook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .const import (
    ATTR_DEVICE_KEY,
    ATTR_EXPIRES_AT,
    ATTR_PRODUCT_KEY,
    ATTR_RECIPIENT_TYPE,
    ATTR_SHARE_CODE,
    DOMAIN,
    EVENT_DEVICE_SHARED,
    EVENT_INVITE_ACCEPTED,
    EVENT_SHARE_REVOKED,
    EVENT_SHARE_UPDATED,
)
from .share_view import local_time_text

# The guest a change was made for (`guests`), in its events.
ATTR_GUEST = "guest"

DEFAULT_NAME = "Quectel IoT"


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe the shared, revoked, updated and invitation accepted events."""

    def device_name(data: Mapping[str, Any]) -> str:
        device_id = data.get(ATTR_DEVICE_ID)
        device = dr.async_get(hass).async_get(device_id) if device_id else None
        if device is not None:
            return device.name_by_user or device.name or DEFAULT_NAME
        if data.get(ATTR_PRODUCT_KEY) and data.get(ATTR_DEVICE_KEY):
            return f"{data[ATTR_PRODUCT_KEY]}_{data[ATTR_DEVICE_KEY]}"
        return DEFAULT_NAME

    def until(data: Mapping[str, Any]) -> str:
        expires_at = data.get(ATTR_EXPIRES_AT)
        if not expires_at:
            return "for life"
        moment = dt_util.parse_datetime(str(expires_at))
        # In the user's time zone, as people read it.
        return f"until {local_time_text(moment) if moment else expires_at}"

    def by(data: Mapping[str, Any]) -> str:
        guest = data.get(ATTR_GUEST)
        if guest:  # a guest's name, never their contact details
            return f" with guest {guest}"
        recipient_type = data.get(ATTR_RECIPIENT_TYPE)
        return f" by {recipient_type}" if recipient_type else ""

    @callback
    def describe_shared(event: Event) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: device_name(event.data),
            LOGBOOK_ENTRY_MESSAGE: f"was shared{by(event.data)} {until(event.data)}",
        }

    @callback
    def describe_revoked(event: Event) -> dict[str, str]:
        code = event.data.get(ATTR_SHARE_CODE)
        return {
            LOGBOOK_ENTRY_NAME: device_name(event.data),
            LOGBOOK_ENTRY_MESSAGE: f"share {code} was revoked",
        }

    @callback
    def describe_updated(event: Event) -> dict[str, str]:
        code = event.data.get(ATTR_SHARE_CODE)
        return {
            LOGBOOK_ENTRY_NAME: device_name(event.data),
            LOGBOOK_ENTRY_MESSAGE: f"share {code} now lasts {until(event.data)}",
        }

    @callback
    def describe_invite_accepted(event: Event) -> dict[str, str]:
        code = event.data.get(ATTR_SHARE_CODE)
        return {
            LOGBOOK_ENTRY_NAME: device_name(event.data),
            LOGBOOK_ENTRY_MESSAGE: (
                f"invitation {code} was accepted, access {until(event.data)}"
            ),
        }

    async_describe_event(DOMAIN, EVENT_DEVICE_SHARED, describe_shared)
    async_describe_event(DOMAIN, EVENT_SHARE_REVOKED, describe_revoked)
    async_describe_event(DOMAIN, EVENT_SHARE_UPDATED, describe_updated)
    async_describe_event(DOMAIN, EVENT_INVITE_ACCEPTED, describe_invite_accepted)
