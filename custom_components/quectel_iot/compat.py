"""What differs between the Home Assistant versions this integration supports.

The minimum is 2025.4; current releases (2026.x) deprecate some of what 2025.4
offers. Each helper picks the form the running version has, by feature, so
that no deprecated call is made on either.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
import inspect
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers import device_registry as dr, service
import voluptuous as vol

type ActionHandler = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]


@callback
def async_device_by_identifier(
    registry: dr.DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> dr.DeviceEntry | None:
    """Return the config entry's device that has ``identifier``.

    2026.9 deprecates ``async_get_device`` (identifiers became unique per
    config entry) for ``async_get_device_by_identifier``, which 2025.4 lacks.
    """
    if hasattr(registry, "async_get_device_by_identifier"):
        device: dr.DeviceEntry | None = registry.async_get_device_by_identifier(
            identifier, config_entry_id
        )
        return device
    device = registry.async_get_device(identifiers={identifier})
    if device is None or config_entry_id not in device.config_entries:
        return None
    return device


def device_config_entry_id(device: dr.DeviceEntry) -> str | None:
    """Return the config entry a device belongs to.

    Since 2026.8 a device has one config entry (``config_entry_id``);
    ``primary_config_entry``, its 2025.4 counterpart, is deprecated in 2026.10.
    """
    if hasattr(device, "config_entry_id"):
        entry_id: str | None = device.config_entry_id
        return entry_id
    if device.primary_config_entry is not None:
        return device.primary_config_entry
    # Before 2026.8 a device may have several entries, and no primary one.
    if len(device.config_entries) == 1:
        return next(iter(device.config_entries))
    return None


def _admin_service_takes_responses() -> bool:
    parameters = inspect.signature(service.async_register_admin_service).parameters
    return "supports_response" in parameters


@callback
def async_register_admin_action(
    hass: HomeAssistant,
    domain: str,
    name: str,
    handler: ActionHandler,
    schema: vol.Schema,
    *,
    supports_response: SupportsResponse,
) -> None:
    """Register an action that only administrators may call.

    Calls without a user (automations, scripts) are allowed, as Home
    Assistant's own helper allows them. Where that helper cannot return a
    response (2025.4), a wrapper makes the same check.
    """
    if _admin_service_takes_responses():
        # Typed against the minimum version, whose helper takes no response.
        service.async_register_admin_service(  # type: ignore[call-arg, unused-ignore]
            hass,
            domain,
            name,
            handler,  # type: ignore[arg-type, unused-ignore]
            schema,
            supports_response=supports_response,
        )
        return

    async def checked(call: ServiceCall) -> ServiceResponse:
        if call.context.user_id is not None:
            user = await hass.auth.async_get_user(call.context.user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(call)

    hass.services.async_register(
        domain, name, checked, schema=schema, supports_response=supports_response
    )


def is_extra_key_error(err: vol.Invalid) -> bool:
    """Whether a schema refused a key it does not know.

    Home Assistant 2026 validates with probatio (installed as ``voluptuous``),
    whose error has a code for it; voluptuous says it in the message.
    """
    return (
        getattr(err, "code", None) == "extra_keys_not_allowed"
        or err.error_message == "extra keys not allowed"
    )
