"""The compatibility helpers: each Home Assistant version's path, on every lane.

The lane's own Home Assistant takes one path of each helper; the other one is
driven here with stand-ins of the older or newer registry and service APIs.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from homeassistant.core import Context, HomeAssistant, ServiceCall, SupportsResponse
from homeassistant.exceptions import Unauthorized, UnknownUser
import pytest
import voluptuous as vol

from custom_components.quectel_iot import compat

IDENTIFIER = ("quectel_iot", "pTest_DEV-1")


class OldRegistry:
    """A device registry as 2025.4 has it: identifiers global, no per-entry look-up."""

    def __init__(self, device: Any) -> None:
        self.device = device

    def async_get_device(self, identifiers: set[tuple[str, str]]) -> Any:
        return self.device if IDENTIFIER in identifiers else None


class NewRegistry:
    """A device registry as 2026.9+ has it: look-ups within a config entry."""

    def __init__(self, device: Any, entry_id: str) -> None:
        self.device, self.entry_id = device, entry_id

    def async_get_device_by_identifier(
        self, identifier: tuple[str, str], config_entry_id: str
    ) -> Any:
        if identifier == IDENTIFIER and config_entry_id == self.entry_id:
            return self.device
        return None


def test_device_by_identifier_before_2026_9() -> None:
    device = SimpleNamespace(config_entries={"mine"})
    registry: Any = OldRegistry(device)
    assert compat.async_device_by_identifier(registry, IDENTIFIER, "mine") is device
    # Another entry's device with the same identifier is not ours.
    assert compat.async_device_by_identifier(registry, IDENTIFIER, "other") is None
    assert (
        compat.async_device_by_identifier(registry, ("quectel_iot", "x"), "mine")
        is None
    )


def test_device_by_identifier_since_2026_9() -> None:
    device = SimpleNamespace()
    registry: Any = NewRegistry(device, "mine")
    assert compat.async_device_by_identifier(registry, IDENTIFIER, "mine") is device
    assert compat.async_device_by_identifier(registry, IDENTIFIER, "other") is None


@pytest.mark.parametrize(
    ("device", "entry_id"),
    [
        (SimpleNamespace(config_entry_id="one"), "one"),
        (SimpleNamespace(primary_config_entry="p", config_entries={"p", "q"}), "p"),
        (SimpleNamespace(primary_config_entry=None, config_entries={"only"}), "only"),
        (SimpleNamespace(primary_config_entry=None, config_entries={"a", "b"}), None),
    ],
)
def test_device_config_entry_id(device: Any, entry_id: str | None) -> None:
    assert compat.device_config_entry_id(device) == entry_id


@pytest.mark.parametrize("takes_responses", [True, False])
async def test_admin_action_on_either_helper(
    hass: HomeAssistant,
    hass_admin_user: Any,
    hass_read_only_user: Any,
    monkeypatch: pytest.MonkeyPatch,
    takes_responses: bool,
) -> None:
    """Admins and automations may call; other users may not; a response comes back."""
    if takes_responses and not compat._admin_service_takes_responses():
        pytest.skip(
            "Home Assistant 2025.4's admin helper cannot return a response: "
            "only the wrapper runs there"
        )
    monkeypatch.setattr(
        compat, "_admin_service_takes_responses", lambda: takes_responses
    )

    async def handler(call: ServiceCall) -> dict[str, Any]:
        return {"value": call.data["value"]}

    compat.async_register_admin_action(
        hass,
        "quectel_iot",
        "echo",
        handler,
        vol.Schema({vol.Required("value"): int}),
        supports_response=SupportsResponse.ONLY,
    )

    async def call(context: Context | None) -> Any:
        return await hass.services.async_call(
            "quectel_iot",
            "echo",
            {"value": 3},
            blocking=True,
            return_response=True,
            context=context,
        )

    assert await call(None) == {"value": 3}
    assert await call(Context(user_id=hass_admin_user.id)) == {"value": 3}
    with pytest.raises(Unauthorized):
        await call(Context(user_id=hass_read_only_user.id))
    with pytest.raises(UnknownUser):
        await call(Context(user_id="no-such-user"))


def test_extra_key_error_of_either_library() -> None:
    schema = vol.Schema({vol.Optional("a"): int})
    with pytest.raises(vol.Invalid) as err:
        schema({"b": 1})
    first = (
        err.value.errors[0] if isinstance(err.value, vol.MultipleInvalid) else err.value
    )
    assert compat.is_extra_key_error(first)
    assert not compat.is_extra_key_error(vol.Invalid("expected int"))
