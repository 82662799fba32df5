"""Logbook descriptions of the sharing events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.const import (
    DOMAIN,
    EVENT_DEVICE_SHARED,
    EVENT_INVITE_ACCEPTED,
    EVENT_SHARE_REVOKED,
    EVENT_SHARE_UPDATED,
)
from custom_components.quectel_iot.logbook import async_describe_events

from .share_helpers import device_id

type Describer = Callable[[Event], dict[str, str]]


def describers(hass: HomeAssistant) -> dict[str, Describer]:
    found: dict[str, Describer] = {}

    def describe_event(domain: str, event_type: str, describe: Describer) -> None:
        assert domain == DOMAIN
        found[event_type] = describe

    async_describe_events(hass, describe_event)
    return found


def payload(device: str | None, **changes: Any) -> dict[str, Any]:
    return {
        "device_id": device,
        "product_key": "pTest",
        "device_key": "DEV-1",
        "recipient_type": "email",
        "share_code": "CODE-1",
        "expires_at": "2099-01-02T03:04:05+00:00",
        **changes,
    }


async def test_every_event_is_described(hass: HomeAssistant) -> None:
    assert set(describers(hass)) == {
        EVENT_DEVICE_SHARED,
        EVENT_SHARE_REVOKED,
        EVENT_SHARE_UPDATED,
        EVENT_INVITE_ACCEPTED,
    }


@pytest.mark.parametrize(
    ("event_type", "changes", "message"),
    [
        (
            EVENT_DEVICE_SHARED,
            {},
            "was shared by email until 2099-01-01 19:04 PST",
        ),
        (EVENT_DEVICE_SHARED, {"expires_at": None}, "was shared by email for life"),
        (
            EVENT_DEVICE_SHARED,
            {"guest": "Cleaner"},
            "was shared with guest Cleaner until 2099-01-01 19:04 PST",
        ),
        (
            EVENT_DEVICE_SHARED,
            {"recipient_type": None, "expires_at": None},
            "was shared for life",
        ),
        (EVENT_SHARE_REVOKED, {}, "share CODE-1 was revoked"),
        (
            EVENT_SHARE_UPDATED,
            {},
            "share CODE-1 now lasts until 2099-01-01 19:04 PST",
        ),
        (
            EVENT_INVITE_ACCEPTED,
            {"recipient_type": None, "accepted_at": "2098-12-31T00:00:00+00:00"},
            "invitation CODE-1 was accepted, access until 2099-01-01 19:04 PST",
        ),
        (
            EVENT_INVITE_ACCEPTED,
            {"recipient_type": None, "expires_at": None},
            "invitation CODE-1 was accepted, access for life",
        ),
    ],
)
async def test_descriptions(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    event_type: str,
    changes: dict[str, Any],
    message: str,
) -> None:
    describe = describers(hass)[event_type]
    described = describe(
        Event(event_type, payload(device_id(hass, "DEV-1"), **changes))
    )
    assert described == {LOGBOOK_ENTRY_NAME: "Device 1", LOGBOOK_ENTRY_MESSAGE: message}


async def test_name_without_a_registry_device(hass: HomeAssistant) -> None:
    describe = describers(hass)[EVENT_SHARE_REVOKED]
    by_keys = describe(Event(EVENT_SHARE_REVOKED, payload(None)))
    assert by_keys[LOGBOOK_ENTRY_NAME] == "pTest_DEV-1"
    unknown = describe(
        Event(
            EVENT_SHARE_REVOKED,
            payload("gone", product_key=None, device_key=None),
        )
    )
    assert unknown[LOGBOOK_ENTRY_NAME] == "Quectel IoT"


async def test_name_given_by_the_user(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    registry = dr.async_get(hass)
    registry.async_update_device(device_id(hass, "DEV-1"), name_by_user="Front door")
    describe = describers(hass)[EVENT_SHARE_UPDATED]
    described = describe(Event(EVENT_SHARE_UPDATED, payload(device_id(hass, "DEV-1"))))
    assert described[LOGBOOK_ENTRY_NAME] == "Front door"
