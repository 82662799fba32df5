"""The share_device action, and what every action of the integration shares.

Every action is for administrators only, acts on its devices concurrently and
reports a partial failure as one error naming each device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, Unauthorized, UnknownUser
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.translation import async_get_exception_message
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from .api import CoverMark, QuectelAuthenticationError, QuectelError
from .const import (
    DOMAIN,
    EVENT_DEVICE_SHARED,
    SHARE_MODE_COVER_MARK,
    ShareMode,
)
from .coordinator import async_refresh_shares
from .exceptions import cloud_error, translation_key_for, translation_placeholders_for
from .share_view import iso
from .targets import TARGET_FIELDS, TargetDevice, resolve_targets
from .validation import (
    ATTR_DURATION,
    ATTR_EMAIL,
    ATTR_EXPIRES_AT,
    ATTR_PHONE,
    ATTR_UID,
    TranslatedSchema,
    expiry_from,
    non_empty_text,
    recipient_from,
)

SERVICE_SHARE_DEVICE = "share_device"

ATTR_MODE = "mode"
ATTR_AUTH_KEY = "auth_key"

RECIPIENT_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_EMAIL): non_empty_text,
    vol.Optional(ATTR_PHONE): non_empty_text,
    vol.Optional(ATTR_UID): non_empty_text,
}
EXPIRY_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_EXPIRES_AT): cv.datetime,
    vol.Optional(ATTR_DURATION): cv.time_period,
}

SHARE_DEVICE_SCHEMA = TranslatedSchema(
    {
        **TARGET_FIELDS,
        **RECIPIENT_FIELDS,
        **EXPIRY_FIELDS,
        vol.Optional(ATTR_MODE, default=ShareMode.REPLACE): vol.Coerce(ShareMode),
        vol.Optional(ATTR_AUTH_KEY): vol.All(non_empty_text, vol.Length(max=256)),
    }
)

type ActionHandler = Callable[
    [HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]
]


@callback
def async_register_admin_action(
    hass: HomeAssistant,
    name: str,
    handler: ActionHandler,
    schema: vol.Schema,
    supports_response: SupportsResponse,
) -> None:
    """Register an action that only administrators may call.

    Calls without a user (automations, scripts) are allowed. Home Assistant's
    `async_register_admin_service` cannot return a response, hence this.
    """

    async def checked(call: ServiceCall) -> ServiceResponse:
        if call.context.user_id is not None:
            user = await hass.auth.async_get_user(call.context.user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(hass, call)

    hass.services.async_register(
        DOMAIN, name, checked, schema=schema, supports_response=supports_response
    )


@dataclass(frozen=True, slots=True)
class DeviceFailure:
    """A device an action could not act on, and why."""

    target: TargetDevice
    error: QuectelError


async def run_for_each_device[T](
    hass: HomeAssistant,
    targets: list[TargetDevice],
    act: Callable[[TargetDevice], Coroutine[Any, Any, T]],
) -> tuple[list[tuple[TargetDevice, T]], list[DeviceFailure]]:
    """Run ``act`` on every target concurrently; return successes and failures.

    Each account's client keeps at most 10 requests in flight. An account
    whose credentials the cloud rejected starts its reauthentication.
    """
    outcomes = await asyncio.gather(
        *(act(target) for target in targets), return_exceptions=True
    )
    done: list[tuple[TargetDevice, T]] = []
    failed: list[DeviceFailure] = []
    for target, outcome in zip(targets, outcomes, strict=True):
        if isinstance(outcome, QuectelError):
            failed.append(DeviceFailure(target, outcome))
            if isinstance(outcome, QuectelAuthenticationError):
                target.entry.async_start_reauth(hass)
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            done.append((target, outcome))
    return done, failed


def raise_for_failures(
    succeeded: list[TargetDevice], failed: list[DeviceFailure]
) -> None:
    """Raise one translated error naming each failed and succeeded device.

    A call on a single device raises that device's own error.
    """
    if not failed:
        return
    if not succeeded and len(failed) == 1:
        raise cloud_error(failed[0].error) from failed[0].error
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="partial_failure",
        translation_placeholders={
            "failed_count": str(len(failed)),
            "total": str(len(succeeded) + len(failed)),
            "failed": "; ".join(
                f"{_device_label(f.target)}: {_reason(f.error)}" for f in failed
            ),
            "succeeded": ", ".join(_device_label(t) for t in succeeded) or "-",
        },
    ) from failed[0].error


def _device_label(target: TargetDevice) -> str:
    return f"{target.device.name} ({target.device.unique_id})"


def _reason(err: QuectelError) -> str:
    return async_get_exception_message(
        DOMAIN, translation_key_for(err), translation_placeholders_for(err)
    )


def _kept_expiry(
    target: TargetDevice, share_code: str | None, requested: datetime | None
) -> datetime | None:
    """Return when the share the cloud answered with ends, as last fetched.

    In ``extend`` mode the cloud keeps a share that already lasts longer and
    answers with its code, so the requested expiry may not be the share's.
    When the share list could not be refreshed, report the requested expiry.
    """
    shares = (target.entry.runtime_data.shares.data or {}).get(
        target.device.unique_id, []
    )
    return next(
        (share.expires_at for share in shares if share.share_code == share_code),
        requested,
    )


async def _share_device(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    targets = resolve_targets(hass, call.data)
    recipient = recipient_from(call.data)
    expires_at = expiry_from(call.data)
    cover_mark = SHARE_MODE_COVER_MARK[call.data[ATTR_MODE]]

    async def share(target: TargetDevice) -> str | None:
        return await target.entry.runtime_data.client.share_device(
            target.device.product_key,
            target.device.device_key,
            expires_at=expires_at,
            cover_mark=cover_mark,
            auth_key=call.data.get(ATTR_AUTH_KEY) or target.device.auth_key,
            **recipient.as_kwargs(),
        )

    done, failed = await run_for_each_device(hass, targets, share)
    # Show the new shares on the dashboard at once.
    await async_refresh_shares(
        (target.entry, target.device.unique_id) for target, _ in done
    )
    shares: list[JsonValueType] = []
    for target, share_code in done:
        share_expires_at = (
            _kept_expiry(target, share_code, expires_at)
            if cover_mark is CoverMark.EXTEND
            else expires_at
        )
        shared = {
            **target.describe(),
            "share_code": share_code,
            "expires_at": iso(share_expires_at),
        }
        hass.bus.async_fire(
            EVENT_DEVICE_SHARED,
            {**shared, "recipient_type": recipient.type},
            context=call.context,
        )
        shares.append({**shared, "recipient": recipient.value})
    raise_for_failures([target for target, _ in done], failed)
    return {"shares": shares}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the action that shares devices."""
    async_register_admin_action(
        hass,
        SERVICE_SHARE_DEVICE,
        _share_device,
        SHARE_DEVICE_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
