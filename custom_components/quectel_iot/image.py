"""An image per open invitation: the QR code of its share code, on its device.

Invitations made in the vendor's app are the same thing, and get one too.
The entity leaves Home Assistant (its registry entry too) when a read shows
the invitation accepted or withdrawn, when it is withdrawn through Home
Assistant, and at its deadline (a timer, no request).
"""

from __future__ import annotations

from datetime import datetime
import hashlib
from typing import Final

from homeassistant.components.image import ImageEntity
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.translation import async_get_cached_translations
from homeassistant.util import dt as dt_util

from .api import Device, Share
from .const import ATTR_ACCEPT_BY, ATTR_EXPIRES_AT, DOMAIN
from .coordinator import QuectelConfigEntry
from .devices import device_info
from .entity import entity_unique_id
from .invite_picture import CONTENT_TYPE, invitation_svg
from .share_view import iso, local_time_text

# The platform adds and removes entities; they make no request.
PARALLEL_UPDATES = 0

TRANSLATION_KEY: Final = "invitation"
# The key of an invitation's entity on its device: a digest of the share
# code, which grants access and so is kept out of the entity registry.
KEY_PREFIX: Final = "invitation_"
DIGEST_LENGTH: Final = 16
DEFAULT_DEADLINE_LABEL: Final = "Accept by"


def invitation_unique_id(device_unique_id: str, share_code: str) -> str:
    """Return the unique id of the image of one invitation of a device."""
    digest = hashlib.sha256(share_code.encode()).hexdigest()[:DIGEST_LENGTH]
    return entity_unique_id(device_unique_id, f"{KEY_PREFIX}{digest}")


def _device_of(unique_id: str) -> str:
    """Return the device unique id an invitation image's unique id names."""
    return unique_id.rsplit(f"_{KEY_PREFIX}", 1)[0]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QuectelConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Show each open invitation while it is open."""
    shares = entry.runtime_data.shares
    devices = entry.runtime_data.devices
    added: set[str] = set()
    unsub_deadline: CALLBACK_TYPE | None = None

    @callback
    def open_invitations(now: datetime) -> dict[str, tuple[Device, Share]]:
        found: dict[str, tuple[Device, Share]] = {}
        for unique_id, device in (devices.data or {}).items():
            for share in shares.shares_of(unique_id) or []:
                if share.is_open_invitation(now):
                    found[invitation_unique_id(unique_id, share.share_code)] = (
                        device,
                        share,
                    )
        return found

    @callback
    def sync(_now: datetime | None = None) -> None:
        nonlocal unsub_deadline
        now = dt_util.utcnow()
        wanted = open_invitations(now)
        registry = er.async_get(hass)
        for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
            if registered.domain != Platform.IMAGE or registered.unique_id in wanted:
                continue
            device_unique_id = _device_of(registered.unique_id)
            if (
                device_unique_id in (devices.data or {})
                and shares.shares_of(device_unique_id) is None
            ):
                continue  # not read since the start: its images wait for it
            added.discard(registered.unique_id)
            registry.async_remove(registered.entity_id)
        new = [key for key in wanted if key not in added]
        added.update(new)
        if new:
            async_add_entities(InvitationImage(hass, *wanted[key]) for key in new)
        if unsub_deadline is not None:
            unsub_deadline()
            unsub_deadline = None
        deadlines = [
            end
            for _, share in wanted.values()
            for end in (share.accept_by, share.expires_at)
            if end is not None
        ]
        if deadlines:
            unsub_deadline = async_track_point_in_utc_time(hass, sync, min(deadlines))

    @callback
    def stop() -> None:
        if unsub_deadline is not None:
            unsub_deadline()

    sync()
    entry.async_on_unload(shares.async_add_listener(sync))
    entry.async_on_unload(stop)


class InvitationImage(ImageEntity):
    """The QR code of an open invitation's share code, with its deadline."""

    _attr_has_entity_name = True
    _attr_translation_key = TRANSLATION_KEY
    _attr_content_type = CONTENT_TYPE

    def __init__(self, hass: HomeAssistant, device: Device, share: Share) -> None:
        """Describe the image of the invitation ``share`` of ``device``."""
        super().__init__(hass)
        self._share = share
        self._attr_unique_id = invitation_unique_id(device.unique_id, share.share_code)
        self._attr_device_info = device_info(device)
        self._attr_image_last_updated = share.shared_at or dt_util.utcnow()
        # Not the share code: it grants access to whoever reads it, and the
        # picture shows it to those who may see the entity.
        self._attr_extra_state_attributes = {
            ATTR_ACCEPT_BY: iso(share.accept_by),
            ATTR_EXPIRES_AT: iso(share.expires_at),
        }

    def _deadline_label(self) -> str:
        """Return the accept_by attribute's name, in Home Assistant's language."""
        translations = async_get_cached_translations(
            self.hass, self.hass.config.language, "entity", DOMAIN
        )
        return translations.get(
            f"component.{DOMAIN}.entity.image.{TRANSLATION_KEY}"
            f".state_attributes.{ATTR_ACCEPT_BY}.name",
            DEFAULT_DEADLINE_LABEL,
        )

    async def async_image(self) -> bytes:
        """Draw the QR code, the share code and the deadline (local time)."""
        accept_by = self._share.accept_by
        caption = (
            f"{self._deadline_label()} {local_time_text(accept_by)}"
            if accept_by is not None
            else ""
        )
        return invitation_svg(self._share.share_code, caption)
