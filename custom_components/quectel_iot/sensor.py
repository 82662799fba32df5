"""Who has access: a sensor per owned device counting its active shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api import Device, Share
from .coordinator import QuectelConfigEntry, QuectelShareCoordinator
from .devices import account_device_info, account_identifier
from .entity import QuectelShareEntity
from .exceptions import next_reset
from .guest_entity import async_add_guest_entities
from .guest_sensor import guest_sensors
from .received_sensor import async_add_received_sensors
from .share_view import iso, sensor_recipient

# Coordinator-based: the coordinator makes every request.
PARALLEL_UPDATES = 0

ATTR_RECIPIENTS = "recipients"
ATTR_LAST_READ = "last_read"
ATTR_DAILY_BUDGET = "daily_budget"
ATTR_RESETS_AT = "resets_at"
ATTR_QUOTA_EXHAUSTED_UNTIL = "quota_exhausted_until"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QuectelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Shares sensor per owned device, an Access ends sensor per received one."""
    devices = entry.runtime_data.devices
    shares = entry.runtime_data.shares
    known: set[str] = set()

    @callback
    def add_new_devices() -> None:
        listed = devices.data or {}
        # A device that left may come back later: it then needs a new entity.
        known.intersection_update(listed)
        new = [device for uid, device in listed.items() if uid not in known]
        known.update(device.unique_id for device in new)
        if new:
            async_add_entities(QuectelSharesSensor(shares, device) for device in new)

    add_new_devices()
    entry.async_on_unload(devices.async_add_listener(add_new_devices))
    async_add_received_sensors(entry, async_add_entities)
    async_add_entities([QuectelRequestsSensor(entry)])
    async_add_guest_entities(hass, entry, async_add_entities, guest_sensors)


class QuectelSharesSensor(QuectelShareEntity, SensorEntity):
    """The number of shares of a device in force, and who they are for."""

    _attr_translation_key = "shares"
    # A count over time: its history is kept as long-term statistics.
    _attr_state_class = SensorStateClass.MEASUREMENT
    _unrecorded_attributes = frozenset({ATTR_RECIPIENTS, ATTR_LAST_READ})

    def __init__(self, coordinator: QuectelShareCoordinator, device: Device) -> None:
        """Describe the Shares sensor of ``device``."""
        super().__init__(coordinator, device, "shares")
        self._unsub_expiry: CALLBACK_TYPE | None = None
        self._last_shown: tuple[object, ...] | None = None

    async def async_added_to_hass(self) -> None:
        """Follow the coordinator, and the end of each share between polls."""
        await super().async_added_to_hass()
        self._last_shown = self._shown()
        self._follow_next_expiry()
        self.async_on_remove(self._stop_following_expiry)

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = self._shown()
        if shown == self._last_shown:
            return  # another device was read: nothing of this one changed
        self._last_shown = shown
        self._follow_next_expiry()
        super()._handle_coordinator_update()

    def _shown(self) -> tuple[object, ...]:
        """Return what the sensor shows: its list, when read, availability."""
        shares = self.shares
        return (
            None if shares is None else tuple(shares),
            self.coordinator.read_at.get(self.unique_id_of_device),
            self.available,
        )

    @callback
    def _follow_next_expiry(self) -> None:
        """Update the state when the next active share ends, without a poll."""
        self._stop_following_expiry()
        now = dt_util.utcnow()
        ends = [
            share.expires_at
            for share in self.shares or []
            if share.expires_at is not None and share.is_active(now)
        ]
        if ends:
            self._unsub_expiry = async_track_point_in_utc_time(
                self.hass, self._share_ended, min(ends)
            )

    @callback
    def _stop_following_expiry(self) -> None:
        if self._unsub_expiry is not None:
            self._unsub_expiry()
            self._unsub_expiry = None

    @callback
    def _share_ended(self, _now: datetime) -> None:
        self._unsub_expiry = None
        self._follow_next_expiry()
        self.async_write_ha_state()

    def _active(self) -> list[Share]:
        now = dt_util.utcnow()
        return [share for share in self.shares or [] if share.is_active(now)]

    @property
    def native_value(self) -> int | None:
        """The number of active (or pending) shares; unknown before a read."""
        if self.shares is None:
            return None
        return len(self._active())

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The recipients of the active shares (contacts masked), and when read."""
        return {
            ATTR_RECIPIENTS: [sensor_recipient(share) for share in self._active()],
            ATTR_LAST_READ: iso(self.coordinator.read_at.get(self.unique_id_of_device)),
        }


class QuectelRequestsSensor(SensorEntity):
    """Cloud requests the account made today (UTC), against its daily budget."""

    _attr_has_entity_name = True
    _attr_translation_key = "requests_today"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    # Falls back to zero at 00:00 UTC, when the cloud's count starts again.
    _attr_state_class = SensorStateClass.TOTAL_INCREASING
    _attr_should_poll = False
    _unrecorded_attributes = frozenset(
        {ATTR_DAILY_BUDGET, ATTR_RESETS_AT, ATTR_QUOTA_EXHAUSTED_UNTIL}
    )

    def __init__(self, entry: QuectelConfigEntry) -> None:
        """Describe the requests sensor of the account ``entry``."""
        self._budget = entry.runtime_data.budget
        self._attr_unique_id = f"{account_identifier(entry)} requests_today"
        self._attr_device_info = account_device_info(entry)
        self._unsub_reset: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Follow the budget's count, and its reset at 00:00 UTC."""
        self.async_on_remove(self._budget.async_add_listener(self.async_write_ha_state))
        self._follow_reset()
        self.async_on_remove(self._stop_following_reset)

    @callback
    def _follow_reset(self) -> None:
        self._unsub_reset = async_track_point_in_utc_time(
            self.hass, self._reset, next_reset(dt_util.utcnow())
        )

    @callback
    def _stop_following_reset(self) -> None:
        if self._unsub_reset is not None:
            self._unsub_reset()
            self._unsub_reset = None

    @callback
    def _reset(self, _now: datetime) -> None:
        self._follow_reset()
        self.async_write_ha_state()

    @property
    def native_value(self) -> int:
        """Requests sent since 00:00 UTC."""
        return self._budget.spent_today()

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The budget, when the count resets, and a used-up quota."""
        return {
            ATTR_DAILY_BUDGET: self._budget.limit,
            ATTR_RESETS_AT: iso(next_reset(dt_util.utcnow())),
            ATTR_QUOTA_EXHAUSTED_UNTIL: iso(
                self._budget.blocked_until if self._budget.is_blocked() else None
            ),
        }
