"""Repair issues the integration raises, and clears when the cause is gone."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DATA_CENTER_URLS, DOMAIN
from .share_view import local_time_text

QUOTA_ISSUE = "quota_exhausted"
RECONFIGURE_ISSUE = "reconfigure_needed"


def _issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


@callback
def async_raise_quota_issue(
    hass: HomeAssistant, entry_id: str, reset: datetime
) -> None:
    """Say that the account's daily request quota is used up until ``reset``."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(QUOTA_ISSUE, entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=QUOTA_ISSUE,
        translation_placeholders={"reset": local_time_text(reset)},
    )


@callback
def async_raise_reconfigure_issue(
    hass: HomeAssistant, entry_id: str, title: str, reason: str
) -> None:
    """Say that the account's settings need *Reconfigure*, not a password.

    A wrong user domain, secret or data center: the cloud's answer and the
    data center hosts to try are in the text.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(RECONFIGURE_ISSUE, entry_id),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=RECONFIGURE_ISSUE,
        translation_placeholders={
            "title": title,
            "reason": reason,
            "hosts": ", ".join(DATA_CENTER_URLS.values()),
        },
    )


@callback
def async_clear_issue(hass: HomeAssistant, kind: str, entry_id: str) -> None:
    """Remove an issue of the account, if it is raised."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))
