"""The integration's actions: share, list, revoke, change expiries, invite by code.

And, for devices shared with an account: accept a share code, give one back.

Every action is for administrators only, checks its input before any request
(`validation`), finds what it acts on (`targets`), acts on its devices
concurrently and reports a partial failure as one error naming each device.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from .api import QuectelAuthenticationError, QuectelError, Remedy, Share
from .compat import async_register_admin_action
from .const import (
    ATTR_ACCEPT_BY,
    ATTR_AUTH_KEY,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_NAME,
    ATTR_EXPIRES_AT,
    ATTR_INCLUDE_INACTIVE,
    ATTR_SHARE_CODE,
    DOMAIN,
    EVENT_DEVICE_SHARED,
    EVENT_SHARE_REVOKED,
    EVENT_SHARE_UPDATED,
    SERVICE_ACCEPT_INVITE,
    SERVICE_CREATE_INVITE,
    SERVICE_LEAVE_SHARE,
    SERVICE_LIST_SHARES,
    SERVICE_SET_SHARE_EXPIRY,
    SERVICE_SHARE_DEVICE,
    SERVICE_UNSHARE_DEVICE,
)
from .coordinator import QuectelConfigEntry
from .exceptions import cloud_error, partial_failure_error, validation_error
from .fan_out import FanOut, fan_out
from .invitations import InviteMade, async_create_invite
from .receiving import async_accept_invite, async_leave_share
from .scheduled_share import async_schedule_share
from .share_view import describe_share, device_fields, iso, share_event, share_fields
from .sharing import ShareMade, async_revoke, async_set_expiry, async_share
from .targets import (
    SelectedShare,
    TargetDevice,
    active_shares_to,
    loaded_entry,
    received_device_id,
    resolve_received,
    resolve_targets,
    share_by_code,
)
from .validation import (
    ACCEPT_DEADLINE_FIELDS,
    ACCEPT_INVITE_FIELDS,
    AUTH_KEY_FIELD,
    EXPIRY_FIELDS,
    INCLUDE_INACTIVE_FIELD,
    LEAVE_SHARE_FIELDS,
    MODE_FIELD,
    RECIPIENT_FIELDS,
    SHARE_CODE_FIELD,
    START_FIELD,
    TARGET_FIELDS,
    TranslatedSchema,
    invite_window_from,
    mode_from,
    recipient_from,
    required_expiry_from,
    selects_by_share_code,
    window_from,
)

SHARE_DEVICE_SCHEMA = TranslatedSchema(
    {
        **TARGET_FIELDS,
        **RECIPIENT_FIELDS,
        **START_FIELD,
        **EXPIRY_FIELDS,
        **MODE_FIELD,
        **AUTH_KEY_FIELD,
    }
)
LIST_SHARES_SCHEMA = TranslatedSchema({**TARGET_FIELDS, **INCLUDE_INACTIVE_FIELD})
UNSHARE_DEVICE_SCHEMA = TranslatedSchema(
    {**TARGET_FIELDS, **RECIPIENT_FIELDS, **SHARE_CODE_FIELD}
)
SET_SHARE_EXPIRY_SCHEMA = TranslatedSchema(
    {**TARGET_FIELDS, **RECIPIENT_FIELDS, **SHARE_CODE_FIELD, **EXPIRY_FIELDS}
)

type ActionHandler = Callable[
    [HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]
]


# --- running an action ----------------------------------------------------------


@callback
def _start_reauth_if_rejected(
    hass: HomeAssistant, entry: QuectelConfigEntry, err: QuectelError
) -> None:
    """Start the account's reauthentication when the cloud refused its password.

    Not for a lockout (it ends by itself) nor for wrong settings (the
    coordinator raises a repair issue that leads to Reconfigure).
    """
    if (
        isinstance(err, QuectelAuthenticationError)
        and err.remedy is Remedy.NEW_PASSWORD
    ):
        entry.async_start_reauth(hass)


class _OnAccount(Protocol):
    @property
    def entry(self) -> QuectelConfigEntry: ...


async def _for_each_device[TargetT: _OnAccount, ResultT](
    hass: HomeAssistant,
    targets: list[TargetT],
    act: Callable[[TargetT], Coroutine[Any, Any, ResultT]],
) -> FanOut[TargetT, ResultT]:
    """Run ``act`` on every target concurrently; return successes and failures."""
    outcome = await fan_out(targets, act)
    for target, err in outcome.failed:
        _start_reauth_if_rejected(hass, target.entry, err)
    return outcome


def _refuse_while_quota_is_out(targets: Iterable[_OnAccount]) -> None:
    """Refuse at once, without a request, while an account's quota is used up."""
    for target in targets:
        target.entry.runtime_data.budget.raise_if_blocked()


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


def _raise_for_failures(
    succeeded: Iterable[_Labelled], failed: Sequence[tuple[_Labelled, QuectelError]]
) -> None:
    """Raise one translated error naming each failed and succeeded device.

    A call on a single device raises that device's own error.
    """
    if not failed:
        return
    succeeded = list(succeeded)
    first_error = failed[0][1]
    if not succeeded and len(failed) == 1:
        raise cloud_error(first_error) from first_error
    raise partial_failure_error(
        [(target.label, err) for target, err in failed],
        [target.label for target in succeeded],
    ) from first_error


# --- share_device ---------------------------------------------------------------


async def _share_device(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    targets = resolve_targets(hass, call.data)
    recipient = recipient_from(call.data)
    starts_at, expires_at = window_from(call.data)
    mode = mode_from(call.data)
    if starts_at is not None:
        # Nothing is sent now: a guest shares at the start.
        return async_schedule_share(hass, targets, recipient, starts_at, expires_at)
    _refuse_while_quota_is_out(targets)

    async def share(target: TargetDevice) -> ShareMade:
        return await async_share(
            target, recipient, expires_at, mode, call.data.get(ATTR_AUTH_KEY)
        )

    outcome = await _for_each_device(hass, targets, share)
    shares: list[JsonValueType] = []
    for target, made in outcome.done:
        event = share_event(
            target.describe(), made.share_code, made.expires_at, recipient.type
        )
        hass.bus.async_fire(EVENT_DEVICE_SHARED, event, context=call.context)
        shares.append(
            {
                **share_fields(target.describe(), made.share_code),
                ATTR_EXPIRES_AT: iso(made.expires_at),
                "recipient": recipient.value,
            }
        )
    _raise_for_failures((target for target, _ in outcome.done), outcome.failed)
    return {"shares": shares}


# --- list_shares ----------------------------------------------------------------


async def _list_shares(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    targets = resolve_targets(hass, call.data)
    include_inactive: bool = call.data[ATTR_INCLUDE_INACTIVE]

    _refuse_while_quota_is_out(targets)

    async def fetch(target: TargetDevice) -> list[Share]:
        return await target.entry.runtime_data.shares.async_read_device(
            target.device.unique_id
        )

    outcome = await _for_each_device(hass, targets, fetch)
    _raise_for_failures((target for target, _ in outcome.done), outcome.failed)
    now = dt_util.utcnow()
    devices: list[JsonValueType] = [
        {
            **target.describe(),
            "shares": [
                describe_share(share, now)
                for share in shares
                if include_inactive
                or share.is_active(now)
                or share.is_open_invitation(now)
            ],
        }
        for target, shares in outcome.done
    ]
    return {"devices": devices}


# --- unshare_device and set_share_expiry: acting on selected shares ---------------

type ShareAct = Callable[
    [QuectelConfigEntry, TargetDevice | None, Share | None, str],
    Coroutine[Any, Any, None],
]


async def _act_on_shares(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    act: ShareAct,
    on_done: Callable[[SelectedShare], None],
) -> list[SelectedShare]:
    """Select the shares of a call and ``act`` on each; return those done.

    ``on_done`` is called for each share as soon as it is done, so that a
    later failure does not hide an earlier change.
    """
    if selects_by_share_code(data):
        return [await _act_on_share_code(hass, data, act, on_done)]

    targets = resolve_targets(hass, data)
    recipient = recipient_from(data)
    _refuse_while_quota_is_out(targets)
    done_shares: list[SelectedShare] = []

    async def on_device(target: TargetDevice) -> None:
        shares = await target.entry.runtime_data.shares.async_read_device(
            target.device.unique_id
        )
        for share in active_shares_to(shares, recipient, dt_util.utcnow()):
            await act(target.entry, target, share, share.share_code)
            selected = SelectedShare(
                target.entry, share.share_code, target, share, recipient.type
            )
            done_shares.append(selected)
            on_done(selected)

    outcome = await _for_each_device(hass, targets, on_device)
    _raise_for_failures((target for target, _ in outcome.done), outcome.failed)
    if not done_shares:
        raise validation_error("no_matching_share")
    return done_shares


async def _act_on_share_code(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    act: ShareAct,
    on_done: Callable[[SelectedShare], None],
) -> SelectedShare:
    selected = share_by_code(hass, data)
    selected.entry.runtime_data.budget.raise_if_blocked()
    try:
        await act(selected.entry, selected.target, selected.share, selected.share_code)
    except QuectelError as err:
        _start_reauth_if_rejected(hass, selected.entry, err)
        raise cloud_error(err) from err
    on_done(selected)
    if selected.target is None:
        # Made outside Home Assistant since its device's list was read.
        await selected.entry.runtime_data.shares.async_request_refresh()
    return selected


def _fire_share_event(
    hass: HomeAssistant,
    call: ServiceCall,
    event_type: str,
    selected: SelectedShare,
    expires_at: datetime | None,
) -> None:
    hass.bus.async_fire(
        event_type,
        share_event(
            selected.describe(),
            selected.share_code,
            expires_at,
            selected.recipient_type,
        ),
        context=call.context,
    )


async def _unshare_device(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    async def revoke(
        entry: QuectelConfigEntry,
        target: TargetDevice | None,
        share: Share | None,
        share_code: str,
    ) -> None:
        # An open invitation is withdrawn as a share is revoked: 5142 after
        # a lost answer means it is gone too.
        was_active = share is not None and (
            share.is_active() or share.is_open_invitation()
        )
        await async_revoke(entry, target, share_code, was_active=was_active)

    @callback
    def revoked(selected: SelectedShare) -> None:
        previous = selected.share.expires_at if selected.share else None
        _fire_share_event(hass, call, EVENT_SHARE_REVOKED, selected, previous)

    done = await _act_on_shares(hass, call.data, revoke, revoked)
    revoked_shares: list[JsonValueType] = [{**s.describe()} for s in done]
    return {"revoked": revoked_shares}


async def _set_share_expiry(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    expires_at = required_expiry_from(call.data)

    async def set_expiry(
        entry: QuectelConfigEntry,
        target: TargetDevice | None,
        share: Share | None,
        share_code: str,
    ) -> None:
        await async_set_expiry(entry, target, share_code, expires_at)

    @callback
    def updated(selected: SelectedShare) -> None:
        _fire_share_event(hass, call, EVENT_SHARE_UPDATED, selected, expires_at)

    done = await _act_on_shares(hass, call.data, set_expiry, updated)
    return {
        "updated": [
            {**selected.describe(), ATTR_EXPIRES_AT: iso(expires_at)}
            for selected in done
        ]
    }


# --- create_invite --------------------------------------------------------------

CREATE_INVITE_SCHEMA = TranslatedSchema(
    {**TARGET_FIELDS, **EXPIRY_FIELDS, **ACCEPT_DEADLINE_FIELDS}
)


async def _create_invite(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Make a share code per device (coverMark 2), to be accepted by a deadline."""
    targets = resolve_targets(hass, call.data)
    accept_by, expires_at = invite_window_from(call.data)
    _refuse_while_quota_is_out(targets)

    async def create(target: TargetDevice) -> InviteMade:
        return await async_create_invite(target, accept_by, expires_at)

    outcome = await _for_each_device(hass, targets, create)
    _raise_for_failures((target for target, _ in outcome.done), outcome.failed)
    invites: list[JsonValueType] = [
        {
            **share_fields(target.describe(), made.share_code),
            ATTR_ACCEPT_BY: iso(made.accept_by),
            ATTR_EXPIRES_AT: iso(made.expires_at),
        }
        for target, made in outcome.done
    ]
    return {"invites": invites}


# --- accept_invite and leave_share: devices shared with an account --------------

ACCEPT_INVITE_SCHEMA = TranslatedSchema(ACCEPT_INVITE_FIELDS)
LEAVE_SHARE_SCHEMA = TranslatedSchema(LEAVE_SHARE_FIELDS)


async def _accept_invite(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry = loaded_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    entry.runtime_data.budget.raise_if_blocked()
    try:
        accepted = await async_accept_invite(
            entry, call.data[ATTR_SHARE_CODE], call.data.get(ATTR_DEVICE_NAME)
        )
    except QuectelError as err:
        _start_reauth_if_rejected(hass, entry, err)
        raise cloud_error(err) from err
    device: JsonValueType = None
    if accepted.device is not None:
        device = {
            **device_fields(
                received_device_id(hass, entry, accepted.device), accepted.device
            ),
            "name": accepted.device.name,
            ATTR_EXPIRES_AT: iso(accepted.expires_at),
        }
    return {ATTR_SHARE_CODE: accepted.share_code, "device": device}


async def _leave_share(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    targets = resolve_received(hass, call.data[ATTR_DEVICE_ID])
    _refuse_while_quota_is_out(targets)
    outcome = await _for_each_device(hass, targets, async_leave_share)
    _raise_for_failures((target for target, _ in outcome.done), outcome.failed)
    left: list[JsonValueType] = [{**target.describe()} for target, _ in outcome.done]
    return {"left": left}


# --- registration ---------------------------------------------------------------


ACTIONS: tuple[tuple[str, ActionHandler, vol.Schema, SupportsResponse], ...] = (
    (
        SERVICE_SHARE_DEVICE,
        _share_device,
        SHARE_DEVICE_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (SERVICE_LIST_SHARES, _list_shares, LIST_SHARES_SCHEMA, SupportsResponse.ONLY),
    (
        SERVICE_UNSHARE_DEVICE,
        _unshare_device,
        UNSHARE_DEVICE_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (
        SERVICE_SET_SHARE_EXPIRY,
        _set_share_expiry,
        SET_SHARE_EXPIRY_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (
        SERVICE_CREATE_INVITE,
        _create_invite,
        CREATE_INVITE_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (
        SERVICE_ACCEPT_INVITE,
        _accept_invite,
        ACCEPT_INVITE_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
    (
        SERVICE_LEAVE_SHARE,
        _leave_share,
        LEAVE_SHARE_SCHEMA,
        SupportsResponse.OPTIONAL,
    ),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action of the integration, for every account."""
    for name, handler, schema, supports_response in ACTIONS:
        async_register_admin_action(
            hass,
            DOMAIN,
            name,
            partial(handler, hass),
            schema,
            supports_response=supports_response,
        )
