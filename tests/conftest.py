"""Shared fixtures: a simulated Quectel cloud on 127.0.0.1 and an account on it."""

# Import our integration before Home Assistant mounts its test config dir, whose
# custom_components would otherwise shadow ours ("Cannot find integration").
import custom_components.quectel_iot  # noqa: F401  # isort: skip

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.quectel_iot.api import device_unique_id
from custom_components.quectel_iot.compat import async_device_by_identifier
from custom_components.quectel_iot.const import (
    CONF_BASE_URL,
    CONF_DATA_CENTER,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USER_DOMAIN,
    CONF_USER_DOMAIN_SECRET,
    DOMAIN,
    DataCenterOption,
)
from custom_components.quectel_iot.devices import (
    account_identifier,
    received_identifier,
)
from simulator import Simulator

# The accounts of the "test" scenario (simulator/scenarios/test.json): the
# one place tests take them from.
USER_DOMAIN = "C.DM.1000.1"
# The owner (family FAM1): the integration's account in most tests.
OWNER_UID = "U1"
OWNER_EMAIL = "owner@example.test"
OWNER_PASSWORD = "owner-pass"
OWNER_PHONE = "5550001"
OWNER_INTERNATIONAL_CODE = "1"
# In the owner's family: sharing with them is refused (5864).
FAMILY_UID = "U2"
FAMILY_EMAIL = "family@example.test"
FAMILY_PASSWORD = "family-pass"
FAMILY_PHONE = "5550002"
# A recipient with email and phone.
GUEST_UID = "U3"
GUEST_EMAIL = "guest@example.test"
GUEST_PASSWORD = "guest-pass"
GUEST_PHONE = "5550003"
GUEST_INTERNATIONAL_CODE = "1"
# Another user (email only); owns pOther/OTHER-1, shared with the owner.
OTHER_UID = "U4"
OTHER_EMAIL = "other@example.test"
OTHER_PASSWORD = "other-pass"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Serve the "test" scenario on a free loopback port (every test's simulator).

    Home Assistant's test plugin blocks sockets; the simulator needs a real
    one on 127.0.0.1, the only host the plugin lets tests connect to. Needs
    no Home Assistant fixture: tests/simulator uses it without one.
    """
    sim = Simulator.from_scenario("test")
    await sim.start()
    yield sim
    await sim.stop()


def account_data(simulator: Simulator, email: str, password: str) -> dict[str, Any]:
    """Config entry data of an account by email on ``simulator``."""
    return {
        CONF_DATA_CENTER: DataCenterOption.CUSTOM,
        CONF_BASE_URL: simulator.base_url,
        CONF_USER_DOMAIN: simulator.user_domain,
        CONF_USER_DOMAIN_SECRET: simulator.user_domain_secret,
        CONF_EMAIL: email,
        CONF_PASSWORD: password,
    }


@pytest.fixture
def entry_data(simulator: Simulator) -> dict[str, Any]:
    """Config entry data of the scenario's owner, on the simulator."""
    return account_data(simulator, OWNER_EMAIL, OWNER_PASSWORD)


@pytest.fixture
def config_entry(hass: HomeAssistant, entry_data: dict[str, Any]) -> MockConfigEntry:
    """The owner's config entry, added to Home Assistant but not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title=OWNER_EMAIL, unique_id=OWNER_UID, data=entry_data
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the owner's account against the simulator."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    return config_entry


async def add_account(
    hass: HomeAssistant, simulator: Simulator, email: str, password: str, uid: str
) -> MockConfigEntry:
    """Add and set up another account of the scenario (its own config entry)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=email,
        unique_id=uid,
        data=account_data(simulator, email, password),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
async def recipient_entry(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> MockConfigEntry:
    """The guest's account, set up next to the owner's (who shares with it)."""
    return await add_account(hass, simulator, GUEST_EMAIL, GUEST_PASSWORD, GUEST_UID)


# --- Time and the account's service device (request-budget polling) -------------
# Polling judges due times by the wall clock (dt_util.utcnow()): tests that
# move Home Assistant's timers must move the clock too.


@pytest.fixture
def now(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Freeze the clock at 2030-06-01 10:00 UTC (the guest tests' NOW)."""
    freezer.move_to("2030-06-01T10:00:00+00:00")
    return freezer


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the clock by ``delta`` and run what became due, to the end."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def advance_in_ticks(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the clock by ``delta`` a share tick (5 minutes) at a time.

    What a tick schedules (the next read, a probe after a hold) then runs at
    its time, as it would in a running Home Assistant.
    """
    step = timedelta(minutes=5)
    while delta > timedelta(0):
        await advance(hass, freezer, min(step, delta))
        delta -= step


def is_account_device(entry: ConfigEntry, device: dr.DeviceEntry) -> bool:
    """Whether ``device`` is the account's service device (not a cloud device)."""
    return (DOMAIN, account_identifier(entry)) in device.identifiers


def is_received_device(entry: ConfigEntry, device: dr.DeviceEntry) -> bool:
    """Whether ``device`` stands for a device shared with ``entry``'s account."""
    prefix = received_identifier(entry, "")
    return any(
        domain == DOMAIN and identifier.startswith(prefix)
        for domain, identifier in device.identifiers
    )


def cloud_devices(hass: HomeAssistant, entry: ConfigEntry) -> list[dr.DeviceEntry]:
    """The registry devices of ``entry`` that stand for cloud devices it owns.

    Devices shared with the account are left out (`received_devices`).
    """
    return [
        device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if not is_account_device(entry, device)
        and not is_received_device(entry, device)
    ]


def received_devices(
    hass: HomeAssistant, entry: ConfigEntry
) -> dict[str, dr.DeviceEntry]:
    """The registry devices shared with ``entry``'s account, by device key."""
    return {
        str(device.serial_number): device
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        if is_received_device(entry, device)
    }


def registry_device(hass: HomeAssistant, identifier: str) -> dr.DeviceEntry | None:
    """The device of one of the integration's entries that has ``identifier``.

    Through the integration's compatibility helper, so that no deprecated
    look-up is made on either Home Assistant lane.
    """
    registry = dr.async_get(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        device = async_device_by_identifier(
            registry, (DOMAIN, identifier), entry.entry_id
        )
        if device is not None:
            return device
    return None


def cloud_device(
    hass: HomeAssistant, product_key: str, device_key: str
) -> dr.DeviceEntry | None:
    """The registry device of the cloud device ``product_key``/``device_key``."""
    return registry_device(hass, device_unique_id(product_key, device_key))
