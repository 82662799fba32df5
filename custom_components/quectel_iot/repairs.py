"""Repairs: try again a guest's change that failed on some devices."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir
import voluptuous as vol

from .const import DOMAIN
from .guests import guest_manager


class GuestRetryFlow(RepairsFlow):
    """Confirm, then make the failed requests of a guest again."""

    def __init__(
        self, entry_id: str, subentry_id: str, placeholders: dict[str, str]
    ) -> None:
        """Retry the guest ``subentry_id`` of the account ``entry_id``."""
        self.entry_id = entry_id
        self.subentry_id = subentry_id
        self.placeholders = placeholders

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Start at the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Retry on confirmation; show what still fails."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {
            "guest": "",
            "devices": "",
            **self.placeholders,
            "failed": "-",
        }
        if user_input is not None:
            manager = guest_manager(self.hass, self.entry_id)
            if manager is None:
                errors["base"] = "entry_not_loaded"
            else:
                failures = await manager.async_retry(self.subentry_id)
                if not failures:
                    return self.async_create_entry(data={})
                errors["base"] = "still_failing"
                placeholders["failed"] = manager.failure_text(failures)
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders=placeholders,
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Return the fix flow of a guest's failed change."""
    data = data or {}
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    placeholders = dict(issue.translation_placeholders or {}) if issue else {}
    return GuestRetryFlow(
        str(data.get("entry_id")), str(data.get("subentry_id")), placeholders
    )
