"""A guest's buttons: revoke the access, or extend it by one day."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import QuectelConfigEntry
from .guest_entity import GuestEntity, async_add_guest_entities
from .guests import GuestManager

# The buttons' requests go through the client, which bounds them.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QuectelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of each guest, now and as guests are added."""
    async_add_guest_entities(hass, entry, async_add_entities, _guest_buttons)


def _guest_buttons(manager: GuestManager, subentry_id: str) -> list[Entity]:
    return [
        GuestRevokeButton(manager, subentry_id),
        GuestExtendButton(manager, subentry_id),
    ]


class GuestRevokeButton(GuestEntity, ButtonEntity):
    """Revoke the guest's access to every device (administrators only)."""

    _attr_translation_key = "revoke_access"

    def __init__(self, manager: GuestManager, subentry_id: str) -> None:
        """Describe the Revoke access button of a guest."""
        super().__init__(manager, subentry_id, "revoke")

    async def async_press(self) -> None:
        """Revoke the guest's shares."""
        await self._async_require_admin()
        await self.manager.async_revoke_access(self.subentry_id)


class GuestExtendButton(GuestEntity, ButtonEntity):
    """Extend the guest's access by one day (administrators only)."""

    _attr_translation_key = "extend_access"

    def __init__(self, manager: GuestManager, subentry_id: str) -> None:
        """Describe the Extend by one day button of a guest."""
        super().__init__(manager, subentry_id, "extend")

    @property
    def available(self) -> bool:
        """Not for a guest whose calendar sets the end: the event is moved instead."""
        return (
            super().available
            and self.manager.guests[self.subentry_id].wish.calendar is None
        )

    async def async_press(self) -> None:
        """Move the guest's end one day later."""
        await self._async_require_admin()
        await self.manager.async_extend(self.subentry_id)
