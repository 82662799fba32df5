"""Translated errors (`exceptions`): bounded partial failures, in the user's
language, and what Home Assistant logs when an action fails."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.quectel_iot.api import (
    QuectelConnectionError,
    QuectelError,
    QuectelResponseError,
    QuectelSharingError,
)
from custom_components.quectel_iot.const import DOMAIN
from custom_components.quectel_iot.exceptions import partial_failure_error

from .conftest import cloud_device

TRANSLATIONS = Path(__file__).parents[1] / "custom_components/quectel_iot/translations"
GUEST_UID = "U3"


def exceptions_of(language: str) -> dict[str, Any]:
    text = (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    exceptions: dict[str, Any] = json.loads(text)["exceptions"]
    return exceptions


def unverified() -> QuectelSharingError:
    """The cloud's refusal to share an unverified device (5360)."""
    return QuectelSharingError(
        "Cannot share an unverified bound device (5360)",
        code=5360,
        msg="Cannot share unverified bound device",
    )


def rendered(err: HomeAssistantError, language: str = "en") -> str:
    """The message as the frontend renders it from the translation file."""
    template: str = exceptions_of(language)[str(err.translation_key)]["message"]
    return template.format(**(err.translation_placeholders or {}))


async def load_translations(hass: HomeAssistant, language: str) -> None:
    hass.config.language = language
    await async_get_translations(hass, language, "exceptions", {DOMAIN})


async def test_500_failed_devices_make_a_bounded_message(hass: HomeAssistant) -> None:
    await load_translations(hass, "en")
    failed: list[tuple[str, QuectelError]] = [
        (f"Lamp {n} (pTest_DEV-{n})", unverified()) for n in range(500)
    ]
    succeeded = [f"Plug {n} (pTest_PLUG-{n})" for n in range(300)]

    err = partial_failure_error(failed, succeeded)

    placeholders = err.translation_placeholders
    assert placeholders["failed_count"] == "500"
    assert placeholders["total"] == "800"
    assert placeholders["failed"].startswith("Lamp 0 (pTest_DEV-0): The device is")
    assert "Lamp 9 (pTest_DEV-9): " in placeholders["failed"]
    assert "Lamp 10 (" not in placeholders["failed"]
    assert placeholders["failed"].endswith(" and 490 more")
    assert placeholders["succeeded"] == (
        ", ".join(f"Plug {n} (pTest_PLUG-{n})" for n in range(10)) + " and 290 more"
    )
    assert len(rendered(err)) < 3000


async def test_labels_and_cloud_messages_are_bounded(hass: HomeAssistant) -> None:
    await load_translations(hass, "en")
    chatty = QuectelResponseError("x" * 100_000, code=9999, msg="y\n" * 100_000)
    err = partial_failure_error([("L" * 100_000 + "\u202e", chatty)], ["P" * 100_000])
    assert len(rendered(err)) < 1000
    assert "\n" not in rendered(err)
    assert "\u202e" not in rendered(err)


async def test_refusals_are_for_the_caller_to_fix(hass: HomeAssistant) -> None:
    """Only cloud refusals: a validation error. Any outage: a plain error."""
    await load_translations(hass, "en")
    refused = partial_failure_error([("Lamp", unverified())], ["Plug"])
    assert isinstance(refused, ServiceValidationError)
    outage = partial_failure_error(
        [("Lamp", unverified()), ("Lock", QuectelConnectionError("refused"))], []
    )
    assert isinstance(outage, HomeAssistantError)
    assert not isinstance(outage, ServiceValidationError)


async def test_reasons_in_home_assistants_language(hass: HomeAssistant) -> None:
    await load_translations(hass, "zh-Hans")
    zh = exceptions_of("zh-Hans")
    failed: list[tuple[str, QuectelError]] = [
        (f"灯 {n}", unverified()) for n in range(12)
    ]

    err = partial_failure_error(failed, ["插座"])

    reason = (
        zh["device_unverified"]["message"]
        .format(code="5360", msg="", error="")
        .rstrip("。")
    )
    assert "设备" in reason
    placeholders = err.translation_placeholders
    assert placeholders["failed"].startswith(f"灯 0: {reason}; 灯 1: {reason}")
    assert placeholders["failed"].endswith(" 另有 2 个")
    assert placeholders["succeeded"] == "插座"


# --- what Home Assistant logs ------------------------------------------------------


def device_id(hass: HomeAssistant, dk: str) -> str:
    device = cloud_device(hass, "pTest", dk)
    assert device is not None
    return device.id


@pytest.mark.parametrize("devices", [["DEV-U"], ["DEV-1", "DEV-U"]])
async def test_cloud_refusal_leaves_no_traceback(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
    devices: list[str],
) -> None:
    """Called from the UI (websocket): refused, logged in one line."""
    client = await hass_ws_client(hass)
    caplog.clear()
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "share_device",
            "service_data": {
                "device_id": [device_id(hass, dk) for dk in devices],
                "uid": GUEST_UID,
            },
            "return_response": True,
        }
    )
    answer = await client.receive_json()

    assert not answer["success"]
    assert answer["error"]["code"] == "service_validation_error"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors
    assert [r.exc_info for r in errors] == [None] * len(errors)
    assert "Unexpected exception" not in caplog.text
