"""Polling the cloud: the account's devices."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    Device,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelError,
)
from .const import DEVICE_SCAN_INTERVAL, DOMAIN, LOGGER


@dataclass(slots=True)
class QuectelRuntimeData:
    """What a loaded config entry holds."""

    client: QuectelClient
    devices: QuectelDeviceCoordinator


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
