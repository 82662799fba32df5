"""The `quectel_iot.list_shares` action, end to end against the simulator."""

from __future__ import annotations

from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.quectel_iot.api.const import Endpoint, ShareStatus
from custom_components.quectel_iot.api.errors import ERROR_CODES
from simulator import Fault, Simulator

from ..conftest import GUEST_UID
from ..share_helpers import (
    LATER_MS,
    RANDOM_DEVICE_IDS,
    call,
    device_id,
    seed_scenario_shares,
    seed_share,
)

SERVICE = "list_shares"


@pytest.fixture(autouse=True)
def shares(simulator: Simulator) -> None:
    """Seed the shares before the integration is set up."""
    seed_scenario_shares(simulator)


async def test_lists_active_shares(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    ids = [device_id(hass, dk) for dk in ("DEV-1", "DEV-2")]
    ids.append(device_id(hass, "DEV-3", pk="pTest2"))
    response = await call(hass, SERVICE, {"device_id": ids})

    assert [d["device_id"] for d in response["devices"]] == ids
    assert [len(d["shares"]) for d in response["devices"]] == [2, 1, 0]
    assert response == snapshot(matcher=RANDOM_DEVICE_IDS)


async def test_include_inactive_lists_expired_and_revoked(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    response = await call(
        hass,
        SERVICE,
        {"product_key": "pTest", "device_key": "DEV-1", "include_inactive": True},
    )

    [device] = response["devices"]
    assert device["device_id"] == device_id(hass, "DEV-1")
    statuses = {share["share_code"]: share["status"] for share in device["shares"]}
    assert statuses == {
        "CODE-GUEST-1": "active",
        "CODE-OTHER-1": "active",
        "CODE-OLD": "cancelled",
        "CODE-EXPIRED": "expired",
    }
    assert response == snapshot(matcher=RANDOM_DEVICE_IDS)


async def test_pending_share_counts_as_active(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-2", "U4", "CODE-PENDING", status=ShareStatus.PENDING)
    response = await call(
        hass,
        SERVICE,
        {
            "product_key": "pTest",
            "device_key": "DEV-2",
            "config_entry_id": init_integration.entry_id,
        },
    )

    statuses = {s["share_code"]: s["status"] for s in response["devices"][0]["shares"]}
    assert statuses == {"CODE-GUEST-2": "active", "CODE-PENDING": "pending"}


@pytest.mark.parametrize("code", [5032, 5066, 5067, 5106, 5141])
async def test_every_documented_error_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    code: int,
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=Endpoint.SHARE_USER_LIST)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": device_id(hass, "DEV-1")})

    assert err.value.translation_key == ERROR_CODES[code].key
    assert err.value.translation_placeholders["code"] == str(code)
    reauth = list(init_integration.async_get_active_flows(hass, {"reauth"}))
    # A rejected token is no refused login: no reauthentication (issue 11).
    assert reauth == []


async def test_no_query_permission_differs_from_no_permission(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": device_id(hass, "DEV-1")})
    assert err.value.translation_key == "no_query_permission"
    assert ERROR_CODES[5141].key != ERROR_CODES[5041].key


async def test_one_device_failing_names_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST, times=1
    )
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            SERVICE,
            {"device_id": [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]},
        )
    assert err.value.translation_key == "partial_failure"
    assert err.value.translation_placeholders["failed_count"] == "1"
    assert err.value.translation_placeholders["total"] == "2"


async def test_unreachable_cloud(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.HTTP_502, endpoint=Endpoint.SHARE_USER_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": device_id(hass, "DEV-1")})
    assert err.value.translation_key == "cannot_connect"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "target_missing"),
        ({"product_key": "pTest"}, "keys_incomplete"),
        ({"product_key": "pTest", "device_key": "NOPE"}, "unknown_device"),
        ({"device_id": "not-a-device"}, "unknown_device"),
        ({"device_id": ["x"], "include_inactive": "maybe"}, "invalid_boolean"),
    ],
)
async def test_validation_before_any_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, object],
    key: str,
) -> None:
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, data)
    assert err.value.translation_key == key
    assert simulator.requests == []


async def test_unloaded_account_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    dev = device_id(hass, "DEV-1")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, {"device_id": dev})
    assert err.value.translation_key == "entry_not_loaded"


async def test_non_admin_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_read_only_user: User,
) -> None:
    simulator.clear_requests()
    with pytest.raises(Unauthorized):
        await call(
            hass,
            SERVICE,
            {"device_id": device_id(hass, "DEV-1")},
            Context(user_id=hass_read_only_user.id),
        )
    assert simulator.requests == []


async def test_admin_and_automation_are_allowed(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_admin_user: User
) -> None:
    data = {"device_id": device_id(hass, "DEV-2")}
    by_admin = await call(hass, SERVICE, data, Context(user_id=hass_admin_user.id))
    by_automation = await call(hass, SERVICE, data)
    assert by_admin == by_automation
    assert by_admin["devices"][0]["shares"][0]["recipient"]["uid"] == GUEST_UID


async def test_full_contact_details_for_the_admin(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-3", "U4", "CODE-3", pk="pTest2", expire_at_ms=LATER_MS)
    response = await call(
        hass, SERVICE, {"product_key": "pTest2", "device_key": "DEV-3"}
    )
    [share] = response["devices"][0]["shares"]
    assert share["recipient"] == {
        "uid": "U4",
        "email": "other@example.test",
        "phone": None,
        "nickname": "Other",
    }
    assert share["expires_at"] == "2099-01-02T03:04:05+00:00"
