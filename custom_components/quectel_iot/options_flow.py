"""The account's options: its daily request budget."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

from .budget import DEFAULT_DAILY_BUDGET, MAX_DAILY_BUDGET, MIN_DAILY_BUDGET
from .const import CONF_DAILY_BUDGET

# The bounds are checked in the step, so that a value outside them gets a
# translated form error rather than a schema failure.
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_DAILY_BUDGET): NumberSelector(
            NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
        )
    }
)


class QuectelOptionsFlow(OptionsFlow):
    """Change how many cloud requests a day the integration may make."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the daily request budget."""
        errors: dict[str, str] = {}
        if user_input is not None:
            budget = user_input[CONF_DAILY_BUDGET]
            if budget != int(budget) or not (
                MIN_DAILY_BUDGET <= budget <= MAX_DAILY_BUDGET
            ):
                errors[CONF_DAILY_BUDGET] = "budget_out_of_range"
            else:
                return self.async_create_entry(data={CONF_DAILY_BUDGET: int(budget)})
        current = self.config_entry.options.get(CONF_DAILY_BUDGET, DEFAULT_DAILY_BUDGET)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, user_input or {CONF_DAILY_BUDGET: current}
            ),
            errors=errors,
            description_placeholders={
                "min": str(MIN_DAILY_BUDGET),
                "max": str(MAX_DAILY_BUDGET),
                "default": str(DEFAULT_DAILY_BUDGET),
            },
        )
