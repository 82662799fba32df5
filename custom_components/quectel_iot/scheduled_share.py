"""``share_device`` with a start time still to come: a guest that shares then.

The cloud has no start time, so Home Assistant shares at the start. A guest
(config subentry) already does exactly that: it keeps the schedule in the
account's config entry (so it survives restarts), shares one request per
device at the start (or at the next start-up, if Home Assistant was stopped
then), and shows its state on its own device. So a scheduled share is saved
as a guest of each account concerned, named after the recipient's kind and
the start, never after the contact itself; edit or delete it as any guest.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant, ServiceResponse, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.util.json import JsonValueType

from .compat import async_device_by_identifier
from .const import ATTR_EXPIRES_AT, ATTR_STARTS_AT, DOMAIN
from .coordinator import QuectelConfigEntry
from .exceptions import validation_error
from .guest_flow import is_the_account
from .guest_model import SUBENTRY_GUEST, wish_data
from .share_view import iso, local_time_text
from .targets import TargetDevice
from .validation import RecipientInput

ATTR_SCHEDULED = "scheduled"
ATTR_GUEST = "guest"


def scheduled_title(recipient: RecipientInput, starts_at: datetime) -> str:
    """Name a scheduled share's guest: the recipient's kind and the start."""
    return f"Scheduled share {recipient.type} {local_time_text(starts_at)}"


def _registry_id(hass: HomeAssistant, target: TargetDevice) -> str:
    if target.device_id is not None:
        return target.device_id
    device = async_device_by_identifier(
        dr.async_get(hass), (DOMAIN, target.device.unique_id), target.entry.entry_id
    )
    if device is None:  # a device of the account is always registered
        raise validation_error("unknown_device", device=target.device.unique_id)
    return device.id


@callback
def async_schedule_share(
    hass: HomeAssistant,
    targets: list[TargetDevice],
    recipient: RecipientInput,
    starts_at: datetime,
    expires_at: datetime | None,
) -> ServiceResponse:
    """Save a guest per account that shares ``targets`` at ``starts_at``."""
    by_entry: dict[str, tuple[QuectelConfigEntry, list[TargetDevice]]] = {}
    for target in targets:
        if is_the_account(target.entry, recipient):
            raise validation_error("recipient_is_account")
        by_entry.setdefault(target.entry.entry_id, (target.entry, []))[1].append(target)
    title = scheduled_title(recipient, starts_at)
    device_ids = {id(target): _registry_id(hass, target) for target in targets}
    scheduled: list[JsonValueType] = []
    for entry, entry_targets in by_entry.values():
        data = wish_data(
            recipient,
            [device_ids[id(target)] for target in entry_targets],
            starts_at,
            expires_at,
        )
        hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data=MappingProxyType(data),
                subentry_type=SUBENTRY_GUEST,
                title=title,
                unique_id=None,
            ),
        )
        scheduled.extend(
            {
                **target.describe(),
                ATTR_STARTS_AT: iso(starts_at),
                ATTR_EXPIRES_AT: iso(expires_at),
                ATTR_GUEST: title,
            }
            for target in entry_targets
        )
    return {ATTR_SCHEDULED: scheduled}
