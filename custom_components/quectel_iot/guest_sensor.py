"""A guest's sensors: their access, when it starts and when it ends.

For a guest that follows a calendar, the window shown is the current
booking's, else the next one's (with its margins).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.helpers.entity import Entity

from .guest_entity import GuestEntity
from .guest_model import Access
from .guests import GuestManager
from .share_view import iso

ATTR_DEVICES = "devices"
ATTR_STARTS_AT = "starts_at"
ATTR_ENDS_AT = "ends_at"
ATTR_RECIPIENT_TYPE = "recipient_type"
# Only for a guest that follows a calendar (never the match text, which may
# be a name or an address).
ATTR_CALENDAR = "calendar"
ATTR_MARGIN_BEFORE = "margin_before"
ATTR_MARGIN_AFTER = "margin_after"


def guest_sensors(manager: GuestManager, subentry_id: str) -> list[Entity]:
    """Return the sensors of one guest."""
    return [
        GuestAccessSensor(manager, subentry_id),
        GuestStartsSensor(manager, subentry_id),
        GuestEndsSensor(manager, subentry_id),
    ]


class GuestAccessSensor(GuestEntity, SensorEntity):
    """The guest's access (an `Access`); each device as attributes."""

    _attr_translation_key = "guest_access"
    _attr_device_class = SensorDeviceClass.ENUM

    def __init__(self, manager: GuestManager, subentry_id: str) -> None:
        """Describe the Access sensor of a guest."""
        super().__init__(manager, subentry_id, "access")
        self._attr_options = [access.value for access in Access]

    @property
    def native_value(self) -> str | None:
        """The guest's access as a whole."""
        if not self.available:
            return None
        return self.manager.access_of(self.subentry_id).value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Each device (by name), its access and its end; the window."""
        if not self.available:
            return {}
        wish = self.manager.guests[self.subentry_id].wish
        calendar: dict[str, Any] = {}
        if wish.calendar is not None:
            calendar = {
                ATTR_CALENDAR: wish.calendar.entity_id,
                ATTR_MARGIN_BEFORE: _minutes(wish.calendar.before),
                ATTR_MARGIN_AFTER: _minutes(wish.calendar.after),
            }
        return {
            ATTR_DEVICES: [
                {
                    "name": view.name,
                    "access": view.access.value,
                    "ends_at": iso(view.expires_at),
                }
                for view in self.manager.devices_of(self.subentry_id)
            ],
            ATTR_STARTS_AT: iso(wish.starts_at),
            ATTR_ENDS_AT: iso(wish.expires_at),
            ATTR_RECIPIENT_TYPE: wish.recipient.type,
            **calendar,
        }


def _minutes(margin: timedelta) -> float:
    return margin.total_seconds() / 60


class GuestStartsSensor(GuestEntity, SensorEntity):
    """When the guest's window starts (a calendar guest: the next booking's)."""

    _attr_translation_key = "guest_starts"
    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, manager: GuestManager, subentry_id: str) -> None:
        """Describe the Access starts sensor of a guest."""
        super().__init__(manager, subentry_id, "starts")

    @property
    def native_value(self) -> datetime | None:
        """The start of the guest's window; unknown when it started on saving."""
        if not self.available:
            return None
        return self.manager.guests[self.subentry_id].wish.starts_at


class GuestEndsSensor(GuestEntity, SensorEntity):
    """When the guest's access ends; unknown for life."""

    _attr_translation_key = "guest_ends"
    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, manager: GuestManager, subentry_id: str) -> None:
        """Describe the Access ends sensor of a guest."""
        super().__init__(manager, subentry_id, "ends")

    @property
    def native_value(self) -> datetime | None:
        """The end of the guest's window."""
        if not self.available:
            return None
        return self.manager.guests[self.subentry_id].wish.expires_at
