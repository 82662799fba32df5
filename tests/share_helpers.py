"""Helpers of the share management tests: seeding shares and calling actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from syrupy.matchers import path_type

from custom_components.quectel_iot.api.const import ShareStatus
from custom_components.quectel_iot.const import DOMAIN
from simulator import Simulator
from simulator.models import SimShare

from .conftest import (
    GUEST_UID,
    OTHER_UID,
    cloud_device,
    received_devices,
)

# Fixed moments, so that responses and states can be snapshotted.
SHARED_MS = 1735732800000  # 2025-01-01T12:00:00Z
SHARED_AT = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER_MS = 4071006245000
EXPIRED_MS = 1738411200000  # 2025-02-01T12:00:00Z, in the past

# Registry ids are random; tests compare them one by one.
RANDOM_DEVICE_IDS = path_type({r".*device_id": (str,)}, regex=True)


def seed_share(
    simulator: Simulator,
    dk: str,
    who: str,
    code: str,
    *,
    pk: str = "pTest",
    expire_at_ms: int | None = None,
    status: ShareStatus = ShareStatus.ACTIVE,
) -> SimShare:
    """Record a share made at `SHARED_MS` with a known code."""
    return simulator.add_share(
        pk,
        dk,
        who,
        share_code=code,
        expire_at_ms=expire_at_ms,
        status=status,
        share_time_ms=SHARED_MS,
    )


def seed_scenario_shares(simulator: Simulator) -> None:
    """Shares of every kind: DEV-1 has two active ones, DEV-2 one, others ended."""
    seed_share(simulator, "DEV-1", GUEST_UID, "CODE-GUEST-1", expire_at_ms=LATER_MS)
    seed_share(simulator, "DEV-1", OTHER_UID, "CODE-OTHER-1")
    seed_share(simulator, "DEV-1", GUEST_UID, "CODE-OLD", status=ShareStatus.CANCELLED)
    seed_share(simulator, "DEV-1", OTHER_UID, "CODE-EXPIRED", expire_at_ms=EXPIRED_MS)
    seed_share(simulator, "DEV-2", GUEST_UID, "CODE-GUEST-2")


def device_id(hass: HomeAssistant, dk: str, pk: str = "pTest") -> str:
    """Return the registry id of a device of the scenario."""
    device = cloud_device(hass, pk, dk)
    assert device is not None
    return device.id


async def call(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any],
    context: Context | None = None,
    *,
    return_response: bool = True,
) -> Any:
    """Call an action of the integration and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        context=context,
        return_response=return_response,
    )


def shares_state(hass: HomeAssistant, dk: str, pk: str = "pTest") -> Any:
    """Return the state of a device's Shares sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{pk}_{dk}_shares"
    )
    assert entity_id is not None
    return hass.states.get(entity_id)


def assert_no_contact_details(payloads: list[dict[str, Any]]) -> None:
    """Check that no event payload carries an email address or phone number."""
    text = repr(payloads)
    assert "@" not in text
    assert "555000" not in text
    for payload in payloads:
        assert set(payload) == {
            "device_id",
            "product_key",
            "device_key",
            "recipient_type",
            "share_code",
            "expires_at",
        }


# --- Devices shared with an account (share codes) --------------------------------

# The owner's invitations are open for an hour of the simulator's clock.
INVITE_OPEN_MS = 3_600_000


def invite(
    simulator: Simulator,
    code: str,
    *,
    dk: str = "DEV-1",
    expire_at_ms: int | None = LATER_MS,
) -> None:
    """Have the owner make a share code of one of their devices (coverMark 2)."""
    simulator.add_invitation(
        "pTest",
        dk,
        accept_by_ms=simulator.now_ms() + INVITE_OPEN_MS,
        expire_at_ms=expire_at_ms,
        share_code=code,
    )


def access_ends_entity(
    hass: HomeAssistant, entry: ConfigEntry, dk: str, pk: str = "pTest"
) -> str | None:
    """Return the entity id of the Access ends sensor of a received device."""
    return er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"received {entry.entry_id} {pk}_{dk}_access_ends"
    )


def received_device_id(hass: HomeAssistant, entry: ConfigEntry, dk: str) -> str:
    """Return the registry id of a device shared with ``entry``'s account."""
    device = received_devices(hass, entry).get(dk)
    assert device is not None
    return device.id
