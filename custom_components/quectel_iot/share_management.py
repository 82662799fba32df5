"""Actions that manage existing shares: list, revoke and change their expiry.

They target devices like ``share_device`` (`targets.resolve_targets`), check
their input before any request (`validation`), are for administrators only
(`services.async_register_admin_action`) and report cloud errors through `exceptions`.

A share is selected either by its ``share_code`` or by devices plus a
recipient (``email``, ``phone`` or ``uid``). A share code alone does not say
which account owns it: it is looked up in the accounts' share lists (as last
polled or refreshed); when no list has it, ``config_entry_id`` names the
account, or the only loaded account is used.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
import re
from typing import Any

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from .api import (
    QuectelAuthenticationError,
    QuectelClient,
    QuectelError,
    Share,
)
from .const import DOMAIN, EVENT_SHARE_REVOKED, EVENT_SHARE_UPDATED
from .coordinator import QuectelConfigEntry, async_refresh_shares
from .exceptions import cloud_error
from .services import (
    EXPIRY_FIELDS,
    RECIPIENT_FIELDS,
    async_register_admin_action,
    raise_for_failures,
    run_for_each_device,
)
from .share_view import describe_share, iso
from .targets import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_KEY,
    ATTR_PRODUCT_KEY,
    TARGET_FIELDS,
    TargetDevice,
    loaded_entries,
    resolve_targets,
)
from .validation import (
    ATTR_EMAIL,
    ATTR_PHONE,
    ATTR_UID,
    RecipientInput,
    TranslatedSchema,
    non_empty_text,
    recipient_from,
    required_expiry_from,
    validation_error,
)

SERVICE_LIST_SHARES = "list_shares"
SERVICE_UNSHARE_DEVICE = "unshare_device"
SERVICE_SET_SHARE_EXPIRY = "set_share_expiry"

ATTR_SHARE_CODE = "share_code"
ATTR_INCLUDE_INACTIVE = "include_inactive"

SHARE_CODE_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_SHARE_CODE): vol.All(non_empty_text, vol.Length(max=128)),
}

LIST_SHARES_SCHEMA = TranslatedSchema(
    {
        **TARGET_FIELDS,
        vol.Optional(ATTR_INCLUDE_INACTIVE, default=False): cv.boolean,
    }
)
UNSHARE_DEVICE_SCHEMA = TranslatedSchema(
    {**TARGET_FIELDS, **RECIPIENT_FIELDS, **SHARE_CODE_FIELD}
)
SET_SHARE_EXPIRY_SCHEMA = TranslatedSchema(
    {**TARGET_FIELDS, **RECIPIENT_FIELDS, **SHARE_CODE_FIELD, **EXPIRY_FIELDS}
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def recipient_matches(share: Share, recipient: RecipientInput) -> bool:
    """Whether ``share`` is to the recipient an action named."""
    if recipient.type == ATTR_EMAIL:
        email = share.recipient.email
        return email is not None and email.casefold() == recipient.value.casefold()
    if recipient.type == ATTR_PHONE:
        phone = share.recipient.phone
        return phone is not None and _digits(phone) == _digits(recipient.value)
    return share.recipient.uid == recipient.value


# --- selecting shares -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectedShare:
    """A share an action changes, the account that owns it and its device."""

    entry: QuectelConfigEntry
    share_code: str
    target: TargetDevice | None
    share: Share | None
    recipient_type: str | None

    def describe(self) -> dict[str, str | None]:
        """Return the fields naming the share in responses and events."""
        if self.target is not None:
            device = self.target.describe()
        else:
            device = {"device_id": None, "product_key": None, "device_key": None}
        return {**device, "share_code": self.share_code}


def _check_selector(data: Mapping[str, Any]) -> bool:
    """Return whether the call selects by share code; refuse mixed selectors."""
    by_target = any(
        data.get(key) is not None
        for key in (ATTR_DEVICE_ID, ATTR_PRODUCT_KEY, ATTR_DEVICE_KEY)
    )
    by_recipient = any(
        data.get(key) is not None for key in (ATTR_EMAIL, ATTR_PHONE, ATTR_UID)
    )
    if data.get(ATTR_SHARE_CODE) is not None:
        if by_target or by_recipient:
            raise validation_error("share_selector_ambiguous")
        return True
    if not by_target and not by_recipient:
        raise validation_error("share_selector_missing")
    return False


def _by_share_code(hass: HomeAssistant, data: Mapping[str, Any]) -> SelectedShare:
    share_code: str = data[ATTR_SHARE_CODE]
    entries = loaded_entries(hass, data.get(ATTR_CONFIG_ENTRY_ID))
    registry = dr.async_get(hass)
    for entry in entries:
        for unique_id, shares in (entry.runtime_data.shares.data or {}).items():
            for share in shares:
                device = entry.runtime_data.devices.data.get(unique_id)
                if share.share_code != share_code or device is None:
                    continue
                device_entry = registry.async_get_device(
                    identifiers={(DOMAIN, unique_id)}
                )
                target = TargetDevice(
                    entry, device, device_entry.id if device_entry else None
                )
                return SelectedShare(entry, share_code, target, share, None)
    if len(entries) != 1:
        raise validation_error("share_code_unknown", share_code=share_code)
    # Made outside Home Assistant since the last poll: the cloud will tell.
    return SelectedShare(entries[0], share_code, None, None, None)


type ShareAct = Callable[[QuectelClient, str], Coroutine[Any, Any, None]]


async def _act_on_shares(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    act: ShareAct,
    on_done: Callable[[SelectedShare], None],
) -> list[SelectedShare]:
    """Select the shares of a call and ``act`` on each; return those done.

    ``on_done`` is called for each share as soon as it is done, so that a
    later failure does not hide an earlier change. The share lists of the
    devices concerned are refreshed afterwards, whatever the outcome.
    """
    if _check_selector(data):
        selected = _by_share_code(hass, data)
        try:
            await act(selected.entry.runtime_data.client, selected.share_code)
        except QuectelError as err:
            if isinstance(err, QuectelAuthenticationError):
                selected.entry.async_start_reauth(hass)
            raise cloud_error(err) from err
        on_done(selected)
        if selected.target is not None:
            await async_refresh_shares(
                [(selected.entry, selected.target.device.unique_id)]
            )
        else:
            await selected.entry.runtime_data.shares.async_request_refresh()
        return [selected]

    targets = resolve_targets(hass, data)
    recipient = recipient_from(data)
    done_shares: list[SelectedShare] = []

    async def on_device(target: TargetDevice) -> None:
        client = target.entry.runtime_data.client
        device = target.device
        now = dt_util.utcnow()
        matching = [
            share
            for share in await client.device_shares(
                device.product_key, device.device_key
            )
            if share.is_active(now) and recipient_matches(share, recipient)
        ]
        for share in matching:
            await act(client, share.share_code)
            selected = SelectedShare(
                target.entry, share.share_code, target, share, recipient.type
            )
            done_shares.append(selected)
            on_done(selected)

    done, failed = await run_for_each_device(hass, targets, on_device)
    await async_refresh_shares(
        [(target.entry, target.device.unique_id) for target, _ in done]
        + [(s.entry, s.target.device.unique_id) for s in done_shares if s.target]
    )
    raise_for_failures([target for target, _ in done], failed)
    if not done_shares:
        raise validation_error("no_matching_share")
    return done_shares


# --- the actions ------------------------------------------------------------


async def _list_shares(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    targets = resolve_targets(hass, call.data)
    include_inactive: bool = call.data[ATTR_INCLUDE_INACTIVE]

    async def fetch(target: TargetDevice) -> list[Share]:
        return await target.entry.runtime_data.client.device_shares(
            target.device.product_key, target.device.device_key
        )

    done, failed = await run_for_each_device(hass, targets, fetch)
    raise_for_failures([target for target, _ in done], failed)
    now = dt_util.utcnow()
    devices: list[JsonValueType] = [
        {
            **target.describe(),
            "shares": [
                describe_share(share, now)
                for share in shares
                if include_inactive or share.is_active(now)
            ],
        }
        for target, shares in done
    ]
    return {"devices": devices}


def _event_data(selected: SelectedShare, expires_at: datetime | None) -> dict[str, Any]:
    """Return the payload of share events: never an email or phone."""
    return {
        **selected.describe(),
        "recipient_type": selected.recipient_type,
        "expires_at": iso(expires_at),
    }


async def _unshare_device(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    async def revoke(client: QuectelClient, share_code: str) -> None:
        await client.unshare(share_code)

    @callback
    def revoked(selected: SelectedShare) -> None:
        previous = selected.share.expires_at if selected.share else None
        hass.bus.async_fire(
            EVENT_SHARE_REVOKED, _event_data(selected, previous), context=call.context
        )

    done = await _act_on_shares(hass, call.data, revoke, revoked)
    revoked_shares: list[JsonValueType] = [{**s.describe()} for s in done]
    return {"revoked": revoked_shares}


async def _set_share_expiry(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    expires_at = required_expiry_from(call.data)

    async def set_expiry(client: QuectelClient, share_code: str) -> None:
        await client.set_share_expiry(share_code, expires_at)

    @callback
    def updated(selected: SelectedShare) -> None:
        hass.bus.async_fire(
            EVENT_SHARE_UPDATED, _event_data(selected, expires_at), context=call.context
        )

    done = await _act_on_shares(hass, call.data, set_expiry, updated)
    return {
        "updated": [
            {**selected.describe(), "expires_at": iso(expires_at)} for selected in done
        ]
    }


@callback
def async_setup_share_services(hass: HomeAssistant) -> None:
    """Register the actions that manage existing shares."""
    async_register_admin_action(
        hass,
        SERVICE_LIST_SHARES,
        _list_shares,
        LIST_SHARES_SCHEMA,
        SupportsResponse.ONLY,
    )
    async_register_admin_action(
        hass,
        SERVICE_UNSHARE_DEVICE,
        _unshare_device,
        UNSHARE_DEVICE_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
    async_register_admin_action(
        hass,
        SERVICE_SET_SHARE_EXPIRY,
        _set_share_expiry,
        SET_SHARE_EXPIRY_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
