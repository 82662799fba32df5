"""The daily request budget: counting, persistence, the 4026 quota, the sensor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.budget import RequestBudget
from custom_components.quectel_iot.const import DOMAIN
from simulator import Fault, Simulator

from .conftest import GUEST_UID, advance_in_ticks

# 10:00 UTC: far from the reset, so that ticks stay within one UTC day.
MORNING = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
QUOTA_ISSUE = "quota_exhausted_{}"


@pytest.fixture
def morning(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Freeze the clock in the morning (UTC) of a known day."""
    freezer.move_to(MORNING)
    return freezer


def requests_sensor(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"account {entry.entry_id} requests_today"
    )
    assert entity_id is not None
    return hass.states.get(entity_id)


def shares_states(hass: HomeAssistant) -> dict[str, str]:
    return {
        state.entity_id: state.state
        for state in hass.states.async_all("sensor")
        if state.entity_id.endswith("_shares")
    }


def reauth_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


async def share(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "share_device",
        {"product_key": "pTest", "device_key": "DEV-1", "uid": GUEST_UID, **data},
        blocking=True,
        return_response=True,
    )


# --- counting -------------------------------------------------------------------


@pytest.mark.usefixtures("morning")
async def test_every_request_is_counted(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    budget = config_entry.runtime_data.budget
    # Login, the device list and the first share lists.
    assert budget.spent_today() == len(simulator.requests) > 2

    await share(hass)
    assert budget.spent_today() == len(simulator.requests)


async def test_the_count_survives_a_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    morning: FrozenDateTimeFactory,
) -> None:
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.runtime_data.budget.spent_today() == len(simulator.requests)


async def test_the_count_resets_at_midnight_utc_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(datetime(2030, 6, 1, 23, 50, tzinfo=UTC))
    budget = RequestBudget(hass, "entry", limit=1000)
    await budget.async_load()
    for _ in range(7):
        budget.request_sent()

    # A clock set back into the day before does not start a new count.
    freezer.move_to(datetime(2030, 5, 31, 12, 0, tzinfo=UTC))
    budget.request_sent()
    assert budget.spent_today() == 8

    freezer.move_to(datetime(2030, 6, 2, 0, 0, 1, tzinfo=UTC))
    assert budget.spent_today() == 0
    budget.request_sent()
    assert budget.spent_today() == 1
    budget.async_shutdown()


async def test_polling_stops_at_the_budget_less_the_reserve(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(MORNING)
    budget = RequestBudget(hass, "entry", limit=1000)
    await budget.async_load()
    assert (budget.reserve, budget.polling_limit) == (200, 800)
    for _ in range(799):
        budget.request_sent()
    assert budget.polling_left() == 1
    budget.request_sent()
    assert budget.polling_left() == 0
    budget.async_shutdown()


async def test_polling_sends_nothing_once_the_polling_budget_is_spent(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    budget = init_integration.runtime_data.budget
    for _ in range(budget.polling_limit):
        budget.request_sent()
    simulator.clear_requests()

    await advance_in_ticks(hass, morning, timedelta(hours=2))
    assert simulator.requests == []

    # Actions may still use the reserve (here: a token refresh and the share).
    await share(hass, mode="add")
    assert len(simulator.requests_to(Endpoint.SHARE_BY_UID.value)) == 1


# --- the requests sensor --------------------------------------------------------


async def test_requests_sensor_shows_the_count_and_the_budget(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await share(hass)
    await advance_in_ticks(hass, morning, timedelta(seconds=10))

    state = requests_sensor(hass, init_integration)
    assert int(state.state) == len(simulator.requests)
    assert state.attributes["daily_budget"] == 1000
    assert state.attributes["resets_at"] == "2030-06-02T00:00:00+00:00"
    assert state.attributes["quota_exhausted_until"] is None
    entry = er.async_get(hass).async_get(state.entity_id)
    assert entry is not None
    assert entry.entity_category == er.EntityCategory.DIAGNOSTIC


@pytest.fixture
def late_evening(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Freeze the clock ten minutes before 00:00 UTC."""
    freezer.move_to(datetime(2030, 6, 1, 23, 50, tzinfo=UTC))
    return freezer


async def test_requests_sensor_falls_to_zero_at_midnight_utc(
    hass: HomeAssistant,
    late_evening: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await advance_in_ticks(hass, late_evening, timedelta(minutes=9))
    before_midnight = int(requests_sensor(hass, init_integration).state)
    assert before_midnight == len(simulator.requests) > 0

    simulator.clear_requests()
    late_evening.move_to(datetime(2030, 6, 2, 0, 0, 30, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance_in_ticks(hass, late_evening, timedelta(seconds=10))
    # Only what was sent since 00:00 UTC counts.
    assert int(requests_sensor(hass, init_integration).state) == len(simulator.requests)


# --- 4026: the cloud's daily quota is used up ---------------------------------------


async def test_4026_stops_polling_until_the_reset_then_one_probe(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry_id = init_integration.entry_id
    before = shares_states(hass)
    simulator.inject(Fault.ERROR_CODE, code=4026)

    await advance_in_ticks(hass, morning, timedelta(minutes=20))
    budget = init_integration.runtime_data.budget
    assert budget.blocked_until == datetime(2030, 6, 2, tzinfo=UTC)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, QUOTA_ISSUE.format(entry_id))
    assert issue is not None
    assert issue.translation_key == "quota_exhausted"
    # The entry stays loaded, no reauthentication, sensors keep their values.
    assert init_integration.state is ConfigEntryState.LOADED
    assert reauth_flows(hass) == []
    assert shares_states(hass) == before

    simulator.clear_requests()
    await advance_in_ticks(hass, morning, timedelta(hours=6))
    assert simulator.requests == []

    with pytest.raises(ServiceValidationError) as err:
        await share(hass)
    assert err.value.translation_key == "quota_exhausted"
    # 00:00 UTC in the user's time zone (the tests' is US/Pacific).
    assert "2030-06-01 17:00 PDT" in str(err.value)
    assert simulator.requests == []

    # After 00:00 UTC: one probe; it succeeds and the notice goes away.
    simulator.clear_faults()
    morning.move_to(datetime(2030, 6, 2, 0, 1, tzinfo=UTC))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(simulator.requests) >= 1
    assert budget.blocked_until is None
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, QUOTA_ISSUE.format(entry_id)) is None
    )


async def test_a_refused_probe_waits_again_without_a_storm(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=4026)
    await advance_in_ticks(hass, morning, timedelta(minutes=20))
    simulator.clear_requests()

    # Our clock is ahead of the cloud's: the probe after "midnight" is refused.
    morning.move_to(datetime(2030, 6, 2, 0, 1, tzinfo=UTC))
    await advance_in_ticks(hass, morning, timedelta(minutes=10))
    assert len(simulator.requests) == 1
    budget = init_integration.runtime_data.budget
    # Not a whole day: a little later.
    assert budget.blocked_until is not None
    assert budget.blocked_until < datetime(2030, 6, 2, 1, 0, tzinfo=UTC)


async def test_4026_at_login_is_the_quota_not_bad_credentials(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    morning: FrozenDateTimeFactory,
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=4026, endpoint=Endpoint.EMAIL_LOGIN)

    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass) == []
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, QUOTA_ISSUE.format(config_entry.entry_id)
    )
    # Retries send nothing before the reset.
    simulator.clear_requests()
    await advance_in_ticks(hass, morning, timedelta(minutes=30))
    assert simulator.requests == []


async def test_the_simulated_daily_quota(
    hass: HomeAssistant,
    morning: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The simulator's own quota (not an injected code) ends polling the same way."""
    simulator.daily_quota = simulator.requests_today(init_integration.unique_id) + 1
    await share(hass, mode="add")
    with pytest.raises(ServiceValidationError) as err:
        await share(hass, mode="add")
    assert err.value.translation_key == "quota_exhausted"
    simulator.clear_requests()
    await advance_in_ticks(hass, morning, timedelta(hours=1))
    assert simulator.requests == []


async def test_removing_the_account_forgets_its_count(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    key = f"{DOMAIN}.{init_integration.entry_id}.requests"
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert key in hass_storage

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
