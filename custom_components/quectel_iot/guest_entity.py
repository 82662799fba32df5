"""Entities of a guest: on the guest's own (service) device, one per subentry."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import QuectelConfigEntry
from .devices import MANUFACTURER
from .guests import GuestManager, guest_identifier, guest_manager


def guest_device_info(title: str, subentry_id: str) -> DeviceInfo:
    """Describe a guest's device: named after the guest, never their contact."""
    return DeviceInfo(
        identifiers={(DOMAIN, guest_identifier(subentry_id))},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=MANUFACTURER,
        model="Guest",
        name=title,
    )


class GuestEntity(Entity):
    """An entity of one guest, following its manager and the share lists."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, manager: GuestManager, subentry_id: str, key: str) -> None:
        """Attach the entity to the guest's device; ``key`` names it there."""
        self.manager = manager
        self.subentry_id = subentry_id
        self._attr_unique_id = f"{guest_identifier(subentry_id)} {key}"
        self._attr_device_info = guest_device_info(
            manager.guests[subentry_id].title, subentry_id
        )

    async def async_added_to_hass(self) -> None:
        """Show changes of the guest, and of the devices' share lists."""
        self.async_on_remove(self.manager.async_add_listener(self._updated))
        self.async_on_remove(
            self.manager.entry.runtime_data.shares.async_add_listener(self._updated)
        )

    @callback
    def _updated(self) -> None:
        if self.hass is not None and self.entity_id:
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Whether the guest still exists."""
        return self.subentry_id in self.manager.guests

    async def _async_require_admin(self) -> None:
        """Refuse a user who is not an administrator (automations may act)."""
        context = self._context
        if context is None or context.user_id is None:
            return
        user = await self.hass.auth.async_get_user(context.user_id)
        if user is None:
            raise UnknownUser(context=context)
        if not user.is_admin:
            raise Unauthorized(context=context)


@callback
def async_add_guest_entities(
    hass: HomeAssistant,
    entry: QuectelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[GuestManager, str], Iterable[Entity]],
) -> None:
    """Add each guest's entities of a platform, now and as guests are added."""
    manager = guest_manager(hass, entry.entry_id)
    if manager is None:
        return

    @callback
    def add(subentry_id: str) -> None:
        async_add_entities(build(manager, subentry_id), config_subentry_id=subentry_id)

    for subentry_id in list(manager.guests):
        add(subentry_id)
    entry.async_on_unload(manager.async_add_guest_listener(add))
