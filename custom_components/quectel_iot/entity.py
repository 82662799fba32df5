"""Base entities of the Quectel IoT integration."""

from __future__ import annotations

from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Device, Share
from .coordinator import QuectelShareCoordinator
from .devices import device_info


def entity_unique_id(device_unique_id: str, key: str) -> str:
    """Return the unique id of the ``key`` entity of a device (``<id>_<key>``).

    ``key`` is a fixed suffix, so the entities of one key on two devices
    never share an id (keys must not end with ``_`` + another key).
    """
    return f"{device_unique_id}_{key}"


class QuectelShareEntity(CoordinatorEntity[QuectelShareCoordinator]):
    """An entity of one owned device, fed by the account's share coordinator."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: QuectelShareCoordinator, device: Device, key: str
    ) -> None:
        """Attach the entity to ``device``; ``key`` names it within the device."""
        super().__init__(coordinator)
        self.unique_id_of_device = device.unique_id
        self._attr_unique_id = entity_unique_id(device.unique_id, key)
        self._attr_device_info = device_info(device)

    @property
    def available(self) -> bool:
        """Whether the device is listed and its last share-list read worked."""
        return (
            super().available
            and self.unique_id_of_device in (self.coordinator.devices.data or {})
            and self.unique_id_of_device not in self.coordinator.failed
        )

    @property
    def shares(self) -> list[Share] | None:
        """Every share of the device, as last known; ``None`` before a read."""
        return self.coordinator.shares_of(self.unique_id_of_device)
