"""Polling the cloud: the account's devices, and the shares of each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    Device,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelError,
    QuectelResponseError,
    Share,
)
from .const import DEVICE_SCAN_INTERVAL, DOMAIN, LOGGER, SHARE_SCAN_INTERVAL
from .fan_out import fan_out


@dataclass(slots=True)
class QuectelRuntimeData:
    """What a loaded config entry holds."""

    client: QuectelClient
    devices: QuectelDeviceCoordinator
    shares: QuectelShareCoordinator


type QuectelConfigEntry = ConfigEntry[QuectelRuntimeData]


class QuectelDeviceCoordinator(DataUpdateCoordinator[dict[str, Device]]):
    """The devices the account owns, keyed by ``pk_dk``.

    Devices shared *with* the account are left out: they cannot be re-shared.
    """

    config_entry: QuectelConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: QuectelConfigEntry, client: QuectelClient
    ) -> None:
        """Poll the device list of ``client`` every `DEVICE_SCAN_INTERVAL`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} devices",
            update_interval=DEVICE_SCAN_INTERVAL,
            # The models compare by value: an unchanged list wakes no one.
            always_update=False,
        )
        self.client = client

    async def _async_update_data(self) -> dict[str, Device]:
        try:
            devices = await self.client.devices()
        except QuectelAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except QuectelError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cloud_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        return {device.unique_id: device for device in devices if device.owned}


class QuectelShareCoordinator(DataUpdateCoordinator[dict[str, list[Share]]]):
    """Every share (any status) of each owned device, keyed by ``pk_dk``.

    The lists are fetched concurrently; the client keeps at most 10 requests
    of the account in flight. A device whose list the cloud refused (say it
    was unbound since the last device poll) is left out, so its sensor is
    unavailable; an unreachable cloud fails the whole update.

    It follows the device coordinator: a device that appears (or comes back)
    between share polls gets its share list at once.
    """

    config_entry: QuectelConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: QuectelConfigEntry,
        client: QuectelClient,
        devices: QuectelDeviceCoordinator,
    ) -> None:
        """Poll the share lists every `SHARE_SCAN_INTERVAL`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} shares",
            update_interval=SHARE_SCAN_INTERVAL,
            always_update=False,
        )
        self.client = client
        self.devices = devices
        self._listed = set(devices.data or {})
        entry.async_on_unload(devices.async_add_listener(self._devices_updated))

    @callback
    def _devices_updated(self) -> None:
        listed = set(self.devices.data or {})
        new, self._listed = listed - self._listed, listed
        if new:
            self.config_entry.async_create_task(
                self.hass,
                self.async_refresh_devices(new),
                f"{DOMAIN} new device shares",
            )

    def share_expiry(
        self, unique_id: str, share_code: str | None, default: datetime | None
    ) -> datetime | None:
        """Return when a share of a device ends, as last fetched, else ``default``."""
        shares = (self.data or {}).get(unique_id, [])
        return next(
            (share.expires_at for share in shares if share.share_code == share_code),
            default,
        )

    async def _async_update_data(self) -> dict[str, list[Share]]:
        listed = list(self.devices.data.values()) if self.devices.data else []
        fetched, errors = await self._fetch(listed)
        for err in errors:
            if isinstance(err, QuectelAuthenticationError):
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="auth_failed"
                ) from err
        unreachable = [e for e in errors if not isinstance(e, QuectelResponseError)]
        if unreachable or (errors and not fetched):
            err = (unreachable or errors)[0]
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cloud_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        for err in errors:
            LOGGER.debug("Share list refused by the cloud: %s", err)
        return fetched

    async def _fetch(
        self, devices: list[Device]
    ) -> tuple[dict[str, list[Share]], list[QuectelError]]:
        outcome = await fan_out(
            devices,
            lambda device: self.client.device_shares(
                device.product_key, device.device_key
            ),
        )
        fetched = {device.unique_id: shares for device, shares in outcome.done}
        return fetched, [err for _, err in outcome.failed]

    async def async_refresh_devices(self, unique_ids: Iterable[str]) -> None:
        """Fetch the shares of some devices now, e.g. right after a change.

        The other devices keep their lists. A failure here is left to the
        next poll: the change itself already succeeded.
        """
        if self.data is None or not self.last_update_success:
            await self.async_refresh()
            return
        wanted = [
            self.devices.data[unique_id]
            for unique_id in sorted(set(unique_ids))
            if unique_id in self.devices.data
        ]
        fetched, errors = await self._fetch(wanted)
        for err in errors:
            LOGGER.debug("Could not refresh a share list: %s", err)
        self.async_set_updated_data({**self.data, **fetched})


async def async_refresh_shares(
    changed: Iterable[tuple[QuectelConfigEntry, str]],
) -> None:
    """Refresh the share lists of the (account, ``pk_dk``) pairs that changed."""
    by_entry: dict[str, tuple[QuectelConfigEntry, set[str]]] = {}
    for entry, unique_id in changed:
        by_entry.setdefault(entry.entry_id, (entry, set()))[1].add(unique_id)
    await asyncio.gather(
        *(
            entry.runtime_data.shares.async_refresh_devices(unique_ids)
            for entry, unique_ids in by_entry.values()
        )
    )
