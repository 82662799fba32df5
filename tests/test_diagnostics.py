"""Diagnostics: useful state, with secrets and contact details redacted."""

from __future__ import annotations

from datetime import UTC, datetime
import json

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.quectel_iot.const import CONF_TOKENS
from simulator import Fault, Simulator

from .conftest import (
    GUEST_EMAIL,
    GUEST_PHONE,
    OTHER_EMAIL,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    cloud_device,
)
from .share_helpers import (
    received_device_id,
    seed_scenario_shares,
)

# The simulator's port and the moments of the run are not fixed.
RANDOM_URL = path_type(
    {
        r".*base_url": (str,),
        r".*shares_read_at": (str,),
        r"requests\.resets_at": (str,),
        r"received_devices\.\d+\.access_ends_at": (str,),
    },
    regex=True,
)


@pytest.fixture(autouse=True)
def shares(simulator: Simulator) -> None:
    """Seed the shares before the integration is set up."""
    seed_scenario_shares(simulator)


def secrets_of(entry: MockConfigEntry, simulator: Simulator) -> list[str]:
    """Every value that must never appear in diagnostics."""
    tokens = entry.data[CONF_TOKENS]
    return [
        OWNER_PASSWORD,
        simulator.user_domain_secret,
        tokens["access_token"].removeprefix("Bearer "),
        tokens["refresh_token"].removeprefix("Bearer "),
        OWNER_EMAIL,
        GUEST_EMAIL,
        OTHER_EMAIL,
        GUEST_PHONE,
        "auth-1",
        "auth-2",
        "auth-3",
        "auth-u",
    ]


async def test_config_entry_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    text = json.dumps(diagnostics)
    for secret in secrets_of(init_integration, simulator):
        assert secret not in text
    # Recipients and share codes are redacted too.
    for recipient_detail in ("U3", "U4", "Guest", "CODE-GUEST-1", "U1"):
        assert f'"{recipient_detail}"' not in text
    assert diagnostics["account"]["user_domain"] == simulator.user_domain
    assert diagnostics["requests"]["today"] == len(simulator.requests)
    assert diagnostics["requests"]["daily_budget"] == 1000
    assert diagnostics == snapshot(matcher=RANDOM_URL)


async def test_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    device = cloud_device(hass, "pTest", "DEV-1")
    assert device is not None

    diagnostics = await get_diagnostics_for_device(
        hass, hass_client, init_integration, device
    )

    text = json.dumps(diagnostics)
    for secret in secrets_of(init_integration, simulator):
        assert secret not in text
    assert [d["unique_id"] for d in diagnostics["devices"]] == ["pTest_DEV-1"]
    assert diagnostics == snapshot(matcher=RANDOM_URL)


async def test_diagnostics_during_an_outage(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The device list fails as a whole during an outage: diagnostics show it.

    Share lists fail per device (the share coordinator itself succeeds), and
    the devices keep their last lists.
    """
    simulator.inject(Fault.HTTP_502, times=None)
    await init_integration.runtime_data.devices.async_refresh()
    await init_integration.runtime_data.shares.async_refresh_devices(["pTest_DEV-1"])

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    devices = diagnostics["coordinators"]["devices"]
    assert devices["last_update_success"] is False
    assert devices["last_exception"].startswith("UpdateFailed: ")
    assert "502" in devices["last_exception"]
    assert devices["update_interval_seconds"] == 3600
    shares = diagnostics["coordinators"]["shares"]
    assert shares["last_update_success"] is True
    assert shares["update_interval_seconds"] == 300
    # The last lists are kept.
    [device_1] = [d for d in diagnostics["devices"] if d["unique_id"] == "pTest_DEV-1"]
    assert len(device_1["shares"]) == 4


async def test_diagnostics_of_a_device_shared_with_the_account(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Its keys and end of access; not its share code or who shared it."""
    device = dr.async_get(hass).async_get(
        received_device_id(hass, init_integration, "OTHER-1")
    )
    assert device is not None

    diagnostics = await get_diagnostics_for_device(
        hass, hass_client, init_integration, device
    )

    assert diagnostics["devices"] == []
    [received] = diagnostics["received_devices"]
    assert (received["product_key"], received["device_key"]) == ("pOther", "OTHER-1")
    assert received["share_code"] == "**REDACTED**"
    assert received["owner_uid"] == "**REDACTED**"
    share = simulator.share("OTHER-SHARE")
    assert (
        received["access_ends_at"]
        == datetime.fromtimestamp(share.expire_at_ms / 1000, UTC).isoformat()
    )
    text = json.dumps(diagnostics)
    assert "OTHER-SHARE" not in text
    assert '"U4"' not in text
