"""Setting up and unloading an account."""

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.const import CONF_TOKENS, DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from simulator import Simulator


async def test_setup_registers_owned_devices_only(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    registry = dr.async_get(hass)
    devices = dr.async_entries_for_config_entry(registry, init_integration.entry_id)
    assert sorted(d.serial_number for d in devices) == ["DEV-1", "DEV-2", "DEV-3", "DEV-U"]
    assert registry.async_get_device(identifiers={(DOMAIN, "pOther_OTHER-1")}) is None
    assert CONF_TOKENS in init_integration.data

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
