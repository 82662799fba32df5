"""Setting up and unloading an account: retries, reauth, tokens and outages."""

from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.const import (
    CONF_TOKENS,
    DEVICE_SCAN_INTERVAL,
    DOMAIN,
)
from simulator import Fault, Simulator

from .conftest import (
    OWNER_EMAIL,
    OWNER_UID,
    cloud_device,
    cloud_devices,
    received_devices,
)


async def test_setup_registers_owned_devices_only(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    devices = cloud_devices(hass, init_integration)
    assert sorted(str(d.serial_number) for d in devices) == [
        "DEV-1",
        "DEV-2",
        "DEV-3",
        "DEV-U",
    ]
    # Shared with the owner by another user: registered apart.
    assert cloud_device(hass, "pOther", "OTHER-1") is None
    assert set(received_devices(hass, init_integration)) == {"OTHER-1"}
    assert CONF_TOKENS in init_integration.data

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED


# --- helpers -------------------------------------------------------------------


def registered_devices(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """The serial numbers (device keys) of the cloud devices ``entry`` registered.

    The account's own service device is left out.
    """
    return {str(device.serial_number) for device in cloud_devices(hass, entry)}


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    """The reauthentication flows in progress for ``entry``."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["handler"] == DOMAIN
        and flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"]["entry_id"] == entry.entry_id
    ]


async def restart_simulator(simulator: Simulator, port: int | None) -> None:
    """Start the stopped simulator again on the same port."""
    await simulator.start(port=port or 0)


# --- setup, retry and reauth -----------------------------------------------------


async def test_setup_retry_when_cloud_unreachable(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Connection refused: ConfigEntryNotReady, and the retry sets it up."""
    port = URL(simulator.base_url).port
    await simulator.stop()
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "Cannot connect to the cloud" in str(config_entry.reason)
    assert not reauth_flows(hass, config_entry)

    await restart_simulator(simulator, port)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED
    assert len(registered_devices(hass, config_entry)) == 4


@pytest.mark.parametrize("fault", [Fault.HTTP_502, Fault.HTML_ERROR_PAGE])
async def test_setup_retry_on_gateway_error(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    fault: Fault,
) -> None:
    """A gateway error on the device list: retry, then loaded."""
    simulator.inject(fault, endpoint=Endpoint.DEVICE_LIST)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "The Quectel cloud is unavailable" in str(config_entry.reason)

    simulator.clear_faults()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.state is ConfigEntryState.LOADED


async def test_setup_auth_failed_starts_reauth(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """A rejected password: setup error, a reauth flow, and one login only."""
    simulator.set_password(OWNER_EMAIL, "changed-pass")
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, config_entry)) == 1
    # The wrong password is not tried again: that would freeze the account.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN)) == 1
    assert simulator.user(OWNER_EMAIL).failed_logins == 1


async def test_setup_auth_failed_with_revoked_tokens(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Stored tokens revoked and the password changed: reauth at the restart."""
    entry = init_integration
    assert await hass.config_entries.async_unload(entry.entry_id)
    simulator.revoke_tokens(OWNER_UID)
    simulator.set_password(OWNER_EMAIL, "changed-pass")
    simulator.clear_requests()

    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, entry)) == 1
    # It tried the refresh token first, then the password, once.
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN)) == 1
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN)) == 1


async def test_auth_failure_at_runtime_starts_reauth(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """The cloud rejects the account while loaded: a reauth flow, no retries."""
    entry = init_integration
    devices = entry.runtime_data.devices
    simulator.revoke_tokens(OWNER_UID)
    simulator.set_password(OWNER_EMAIL, "changed-pass")
    simulator.clear_requests()

    await devices.async_refresh()
    await hass.async_block_till_done()
    assert not devices.last_update_success
    assert len(reauth_flows(hass, entry)) == 1
    await devices.async_refresh()
    await hass.async_block_till_done()
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN)) == 1
    # The devices stay registered while the account waits for a password.
    assert len(registered_devices(hass, entry)) == 4


# --- tokens --------------------------------------------------------------------


async def test_tokens_persisted(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """The login's tokens are stored in the entry and used for the calls."""
    tokens = init_integration.data[CONF_TOKENS]
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN)) == 1
    [device_list, *_] = simulator.requests_to(Endpoint.DEVICE_LIST)
    assert device_list.headers["Authorization"] == tokens["access_token"]
    assert simulator.token(tokens["refresh_token"]).uid == OWNER_UID
    assert tokens["access_token_expires_at"] > dt_util.utcnow().timestamp()


async def test_token_refresh_updates_entry(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """An expired access token is refreshed (not a login) and stored."""
    entry = init_integration
    before = entry.data[CONF_TOKENS]
    simulator.expire_access_tokens()
    simulator.clear_requests()

    await entry.runtime_data.devices.async_refresh()
    await hass.async_block_till_done()
    assert entry.runtime_data.devices.last_update_success
    after = entry.data[CONF_TOKENS]
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN)) == 1
    assert not simulator.requests_to(Endpoint.EMAIL_LOGIN)
    assert entry.runtime_data.client.tokens is not None
    assert entry.runtime_data.client.tokens.as_dict() == after


async def test_expired_refresh_token_logs_in_again(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Both tokens expired: one new login with the stored password."""
    entry = init_integration
    before = entry.data[CONF_TOKENS]
    simulator.expire_access_tokens()
    simulator.expire_refresh_tokens()
    simulator.clear_requests()

    await entry.runtime_data.devices.async_refresh()
    assert entry.runtime_data.devices.last_update_success
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN)) == 1
    assert entry.data[CONF_TOKENS]["refresh_token"] != before["refresh_token"]


async def test_restart_reuses_stored_tokens(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Unload and set up again: the stored tokens are used, no login."""
    entry = init_integration
    tokens = entry.data[CONF_TOKENS]
    assert await hass.config_entries.async_unload(entry.entry_id)
    simulator.clear_requests()

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert simulator.requests_to(Endpoint.EMAIL_LOGIN) == []
    assert simulator.requests_to(Endpoint.REFRESH_TOKEN) == []
    [device_list, *_] = simulator.requests_to(Endpoint.DEVICE_LIST)
    assert device_list.headers["Authorization"] == tokens["access_token"]
    assert entry.data[CONF_TOKENS] == tokens


# --- outages -------------------------------------------------------------------


async def test_outage_logged_once_and_recovery_once(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One error when the cloud goes away, one info when it is back."""
    entry = init_integration
    devices = entry.runtime_data.devices
    entity_registry = er.async_get(hass)
    entities = {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    simulator.inject(Fault.HTTP_502, endpoint=Endpoint.DEVICE_LIST)
    caplog.clear()
    for _ in range(3):
        await devices.async_refresh()
    await hass.async_block_till_done()
    assert not devices.last_update_success
    errors = [
        record
        for record in caplog.records
        if record.levelno == logging.ERROR
        and "Error fetching quectel_iot devices data" in record.getMessage()
    ]
    assert len(errors) == 1
    assert "The Quectel cloud is unavailable" in errors[0].getMessage()
    assert "HTTP 502" in errors[0].getMessage()
    # Nothing is forgotten during the outage.
    assert len(registered_devices(hass, entry)) == 4
    assert {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    } == entities
    assert entry.state is ConfigEntryState.LOADED

    simulator.clear_faults()
    for _ in range(2):
        await devices.async_refresh()
    await hass.async_block_till_done()
    assert devices.last_update_success
    recovered = [
        record
        for record in caplog.records
        if record.levelno == logging.INFO
        and record.getMessage() == "Fetching quectel_iot devices data recovered"
    ]
    assert len(recovered) == 1
    assert len(registered_devices(hass, entry)) == 4


async def test_outage_on_schedule(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
) -> None:
    """The scheduled poll fails while the simulator is down, then recovers."""
    entry = init_integration
    devices = entry.runtime_data.devices
    port = URL(simulator.base_url).port
    await simulator.stop()
    async_fire_time_changed(hass, dt_util.utcnow() + DEVICE_SCAN_INTERVAL)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not devices.last_update_success
    assert len(registered_devices(hass, entry)) == 4

    await restart_simulator(simulator, port)
    async_fire_time_changed(hass, dt_util.utcnow() + 2 * DEVICE_SCAN_INTERVAL)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert devices.last_update_success
