"""Who has access: a sensor per owned device counting its active shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api import Device, Share
from .coordinator import QuectelConfigEntry, QuectelShareCoordinator
from .entity import QuectelShareEntity
from .share_view import sensor_recipient

# Coordinator-based: the coordinator makes every request.
PARALLEL_UPDATES = 0

ATTR_RECIPIENTS = "recipients"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QuectelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Shares sensor for each owned device, now and as devices appear."""
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


class QuectelSharesSensor(QuectelShareEntity, SensorEntity):
    """The number of shares of a device in force, and who they are for."""

    _attr_translation_key = "shares"
    # A count over time: its history is kept as long-term statistics.
    _attr_state_class = SensorStateClass.MEASUREMENT
    _unrecorded_attributes = frozenset({ATTR_RECIPIENTS})

    def __init__(self, coordinator: QuectelShareCoordinator, device: Device) -> None:
        """Describe the Shares sensor of ``device``."""
        super().__init__(coordinator, device, "shares")
        self._unsub_expiry: CALLBACK_TYPE | None = None

    async def async_added_to_hass(self) -> None:
        """Follow the coordinator, and the end of each share between polls."""
        await super().async_added_to_hass()
        self._follow_next_expiry()
        self.async_on_remove(self._stop_following_expiry)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._follow_next_expiry()
        super()._handle_coordinator_update()

    @callback
    def _follow_next_expiry(self) -> None:
        """Update the state when the next active share ends, without a poll."""
        self._stop_following_expiry()
        now = dt_util.utcnow()
        ends = [
            share.expires_at
            for share in self.shares
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
        return [share for share in self.shares if share.is_active(now)]

    @property
    def native_value(self) -> int:
        """The number of active (or pending) shares."""
        return len(self._active())

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The recipients of the active shares, contact details masked."""
        return {ATTR_RECIPIENTS: [sensor_recipient(share) for share in self._active()]}
