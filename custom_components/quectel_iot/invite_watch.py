"""Announcing accepted invitations: once each, across restarts.

The codes of the open invitations this account has seen are kept in a small
store per account. When a share-list read shows one of them accepted
(`acceptTime` set, or a recipient named), the code is forgotten (the store
is written at once) and `quectel_iot_invite_accepted` fired: so an
invitation accepted while Home Assistant was stopped is announced after the
restart, and never twice. A code is also forgotten when its invitation was
withdrawn or expired unaccepted, or its device left the account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import Share
from .compat import async_device_by_identifier
from .const import DOMAIN, EVENT_INVITE_ACCEPTED, LOGGER
from .coordinator import QuectelConfigEntry
from .share_view import device_fields, invite_accepted_event

STORAGE_VERSION: Final = 1
# Keys of the stored data: each open code → its device and deadline.
DATA_OPEN: Final = "open"
DATA_DEVICE: Final = "device"
DATA_ACCEPT_BY: Final = "accept_by"


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.invitations")


async def async_forget_invitations(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the open invitations of a removed account."""
    await _store(hass, entry_id).async_remove()


class InvitationWatch:
    """Fires `quectel_iot_invite_accepted` once per invitation seen open."""

    def __init__(self, hass: HomeAssistant, entry: QuectelConfigEntry) -> None:
        """Watch the share lists of the loaded account ``entry``."""
        self.hass = hass
        self.entry = entry
        self._store = _store(hass, entry.entry_id)
        # Share code → (device unique id, acceptance deadline or None).
        self._open: dict[str, tuple[str, datetime | None]] = {}

    async def async_start(self) -> None:
        """Load the codes seen open, and look at the lists as they are now."""
        self._open = self._parse(await self._store.async_load())
        self.entry.async_on_unload(self._async_save)
        self.entry.async_on_unload(
            self.entry.runtime_data.shares.async_add_listener(self._shares_updated)
        )
        self._shares_updated()

    @staticmethod
    def _parse(stored: dict[str, Any] | None) -> dict[str, tuple[str, datetime | None]]:
        try:
            return {
                str(code): (
                    str(item[DATA_DEVICE]),
                    dt_util.parse_datetime(item[DATA_ACCEPT_BY])
                    if item.get(DATA_ACCEPT_BY)
                    else None,
                )
                for code, item in (stored or {}).get(DATA_OPEN, {}).items()
            }
        except (AttributeError, KeyError, TypeError, ValueError):
            LOGGER.warning("Ignoring unreadable stored invitations")
            return {}

    async def _async_save(self) -> None:
        """Write the codes now (on unload): a reload must not announce twice."""
        await self._store.async_save(self._as_data())

    def _as_data(self) -> dict[str, Any]:
        return {
            DATA_OPEN: {
                code: {
                    DATA_DEVICE: device,
                    DATA_ACCEPT_BY: accept_by.isoformat() if accept_by else None,
                }
                for code, (device, accept_by) in self._open.items()
            }
        }

    @callback
    def _shares_updated(self) -> None:
        now = dt_util.utcnow()
        accepted = self._forget_settled(now)
        changed = bool(accepted) | self._note_open(now)
        if changed:
            self._store.async_delay_save(self._as_data, 0)
        for unique_id, share in accepted:
            self._announce(unique_id, share)

    def _forget_settled(self, now: datetime) -> list[tuple[str, Share]]:
        """Forget the codes that are no longer open; return those accepted."""
        coordinator = self.entry.runtime_data.shares
        listed = self.entry.runtime_data.devices.data or {}
        accepted: list[tuple[str, Share]] = []
        for code, (unique_id, accept_by) in list(self._open.items()):
            if unique_id not in listed:
                del self._open[code]
                continue
            shares = coordinator.shares_of(unique_id)
            if shares is None:
                continue  # not read since the start: it will be
            share = next((s for s in shares if s.share_code == code), None)
            if share is None:
                # Not (yet) in the list: settled once its deadline has passed.
                if accept_by is not None and accept_by <= now:
                    del self._open[code]
            elif not share.is_invitation:
                # Accepted: `acceptTime` set, or (should the cloud leave it
                # out) the share names its recipient.
                del self._open[code]
                accepted.append((unique_id, share))
            elif not share.is_open_invitation(now):
                del self._open[code]  # withdrawn, or expired unaccepted
        return accepted

    def _note_open(self, now: datetime) -> bool:
        """Remember the open invitations not seen before; return whether any."""
        noted = False
        for unique_id, shares in (self.entry.runtime_data.shares.data or {}).items():
            for share in shares:
                if share.share_code not in self._open and share.is_open_invitation(now):
                    self._open[share.share_code] = (unique_id, share.accept_by)
                    noted = True
        return noted

    @callback
    def _announce(self, unique_id: str, share: Share) -> None:
        device = self.entry.runtime_data.devices.data.get(unique_id)
        registry_device = async_device_by_identifier(
            dr.async_get(self.hass), (DOMAIN, unique_id), self.entry.entry_id
        )
        self.hass.bus.async_fire(
            EVENT_INVITE_ACCEPTED,
            invite_accepted_event(
                device_fields(registry_device.id if registry_device else None, device),
                share,
            ),
        )
