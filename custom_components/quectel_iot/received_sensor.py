"""Devices shared with the account: an Access ends sensor for each.

Fed by the device list alone (its end of access, who shared it): no share
list is read for a device the account does not own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Device
from .coordinator import QuectelConfigEntry, QuectelDeviceCoordinator
from .devices import received_device_info, received_identifier
from .entity import entity_unique_id

# The owner's cloud user id: an id, never contact details.
ATTR_SHARED_BY = "shared_by"


@callback
def async_add_received_sensors(
    entry: QuectelConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add an Access ends sensor per received device, now and as they appear."""
    devices = entry.runtime_data.devices
    known: set[str] = set()

    @callback
    def add_new() -> None:
        # A device that left may come back later: it then needs a new entity.
        known.intersection_update(devices.received)
        new = [d for uid, d in devices.received.items() if uid not in known]
        known.update(device.unique_id for device in new)
        if new:
            async_add_entities(
                ReceivedAccessEndsSensor(entry, devices, device) for device in new
            )

    add_new()
    entry.async_on_unload(devices.async_add_listener(add_new))


class ReceivedAccessEndsSensor(
    CoordinatorEntity[QuectelDeviceCoordinator], SensorEntity
):
    """When the account's access to a device shared with it ends.

    Unknown when the access is for life (the cloud names no end).
    """

    _attr_has_entity_name = True
    _attr_translation_key = "received_access_ends"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _unrecorded_attributes = frozenset({ATTR_SHARED_BY})

    def __init__(
        self,
        entry: QuectelConfigEntry,
        coordinator: QuectelDeviceCoordinator,
        device: Device,
    ) -> None:
        """Describe the Access ends sensor of ``device``."""
        super().__init__(coordinator)
        self.unique_id_of_device = device.unique_id
        identifier = received_identifier(entry, device.unique_id)
        self._attr_unique_id = entity_unique_id(identifier, "access_ends")
        self._attr_device_info = received_device_info(entry, device)

    @property
    def _device(self) -> Device | None:
        return self.coordinator.received.get(self.unique_id_of_device)

    @property
    def available(self) -> bool:
        """Whether the device list still shows the device as shared with us."""
        return super().available and self._device is not None

    @property
    def native_value(self) -> datetime | None:
        """The end of the access; unknown for life."""
        device = self._device
        return device.share_expires_at if device else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Who shared the device (their cloud user id)."""
        device = self._device
        return {ATTR_SHARED_BY: device.owner_uid if device else None}
