"""The account's options: the daily request budget."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.const import CONF_DAILY_BUDGET


async def test_budget_is_changed_and_applies_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["description_placeholders"] == {
        "min": "200",
        "max": "10000",
        "default": "1000",
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_BUDGET: 500}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {CONF_DAILY_BUDGET: 500}
    budget = init_integration.runtime_data.budget
    assert (budget.limit, budget.reserve, budget.polling_limit) == (500, 100, 400)


@pytest.mark.parametrize("value", [199, 10001, 0, -5, 500.5])
async def test_budget_out_of_bounds_is_a_form_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, value: float
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_BUDGET: value}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_DAILY_BUDGET: "budget_out_of_range"}
    assert init_integration.options == {}
    assert init_integration.runtime_data.budget.limit == 1000


@pytest.mark.parametrize("value", [200, 10000])
async def test_bounds_are_allowed(
    hass: HomeAssistant, init_integration: MockConfigEntry, value: int
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DAILY_BUDGET: value}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.runtime_data.budget.limit == value
