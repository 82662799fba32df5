"""Refusals a password cannot fix: lockouts wait, wrong settings ask to reconfigure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryError,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.const import DOMAIN
from simulator import Fault, Simulator

from .conftest import GUEST_UID, advance_in_ticks

MORNING = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def morning(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    freezer.move_to(MORNING)
    return freezer


def reauth_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


def reconfigure_issue(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"reconfigure_needed_{entry.entry_id}"
    )


async def test_a_lockout_waits_instead_of_asking_for_a_password(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    # The tokens are gone and the login answers "frozen, after 20 minutes".
    simulator.revoke_tokens()
    simulator.inject(Fault.ERROR_CODE, code=5147, endpoint=Endpoint.EMAIL_LOGIN)
    await advance_in_ticks(hass, morning, timedelta(hours=1, minutes=5))

    budget = init_integration.runtime_data.budget
    assert budget.blocked_until is not None
    assert budget.blocked_until <= MORNING + timedelta(hours=1, minutes=30)
    assert reauth_flows(hass) == []
    assert init_integration.state is ConfigEntryState.LOADED

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "share_device",
            {"product_key": "pTest", "device_key": "DEV-1", "uid": GUEST_UID},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "account_frozen"

    # Nothing is sent while the cloud holds the account...
    simulator.clear_requests()
    morning.move_to(budget.blocked_until - timedelta(seconds=30))
    await advance_in_ticks(hass, morning, timedelta(seconds=10))
    assert simulator.requests == []

    # ... then one login; it works and polling resumes.
    simulator.clear_faults()
    await advance_in_ticks(hass, morning, timedelta(minutes=5))
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN.value)) == 1
    assert budget.blocked_until is None
    assert reauth_flows(hass) == []


@pytest.mark.parametrize(
    "refusal", [(5420, "signature_invalid"), (5015, "user_domain_unknown")]
)
async def test_wrong_settings_raise_a_repair_issue_not_a_password_form(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    refusal: tuple[int, str],
) -> None:
    code, key = refusal
    simulator.revoke_tokens()
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=Endpoint.EMAIL_LOGIN)
    await advance_in_ticks(hass, morning, timedelta(hours=1, minutes=5))

    assert reauth_flows(hass) == []
    issue = reconfigure_issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_key == "reconfigure_needed"
    assert issue.severity is ir.IssueSeverity.ERROR
    # It names the data centers to try.
    assert "https://iot-api.landecia.com" in issue.translation_placeholders["hosts"]
    error = init_integration.runtime_data.devices.last_exception
    assert isinstance(error, ConfigEntryError)
    assert error.translation_key == key


async def test_wrong_settings_at_setup_stop_the_entry_with_the_issue(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=5015, endpoint=Endpoint.EMAIL_LOGIN)

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert reauth_flows(hass) == []
    assert reconfigure_issue(hass, config_entry) is not None

    # Set up again with settings the cloud accepts: the issue goes away.
    simulator.clear_faults()
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert reconfigure_issue(hass, config_entry) is None


async def test_an_action_that_meets_wrong_settings_opens_no_password_form(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.revoke_tokens()
    simulator.inject(Fault.ERROR_CODE, code=5420, endpoint=Endpoint.EMAIL_LOGIN)

    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "share_device",
            {"product_key": "pTest", "device_key": "DEV-1", "uid": GUEST_UID},
            blocking=True,
            return_response=True,
        )

    assert err.value.translation_key == "signature_invalid"
    await hass.async_block_till_done()
    assert reauth_flows(hass) == []
