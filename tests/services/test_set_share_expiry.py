"""The `quectel_iot.set_share_expiry` action, end to end against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.quectel_iot.api.const import Endpoint
from custom_components.quectel_iot.api.errors import ERROR_CODES
from custom_components.quectel_iot.const import EVENT_SHARE_UPDATED
from simulator import Fault, Simulator

from ..conftest import GUEST_EMAIL, GUEST_UID
from ..share_helpers import (
    LATER,
    RANDOM_DEVICE_IDS,
    assert_no_contact_details,
    call,
    device_id,
    seed_scenario_shares,
    seed_share,
    shares_state,
)

SERVICE = "set_share_expiry"
NEW_EXPIRY = datetime(2098, 5, 6, 7, 8, 9, tzinfo=UTC)
NEW_EXPIRY_MS = int(NEW_EXPIRY.timestamp() * 1000)


@pytest.fixture(autouse=True)
def shares(simulator: Simulator) -> None:
    """Seed the shares before the integration is set up."""
    seed_scenario_shares(simulator)


def expiry_ms_of(simulator: Simulator, code: str) -> int | None:
    share = simulator.share(code)
    return share.expire_at_ms


def recipients(hass: HomeAssistant, dk: str) -> dict[str, Any]:
    state = shares_state(hass, dk)
    return {r["share_code"]: r for r in state.attributes["recipients"]}


async def test_set_expiry_by_share_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    events = async_capture_events(hass, EVENT_SHARE_UPDATED)

    response = await call(
        hass, SERVICE, {"share_code": "CODE-OTHER-1", "expires_at": NEW_EXPIRY}
    )

    assert expiry_ms_of(simulator, "CODE-OTHER-1") == NEW_EXPIRY_MS
    assert response == snapshot(matcher=RANDOM_DEVICE_IDS)
    # The sensor shows the new expiry at once.
    shown = recipients(hass, "DEV-1")["CODE-OTHER-1"]["expires_at"]
    assert shown == NEW_EXPIRY.isoformat()
    [event] = events
    assert event.data == {
        "device_id": device_id(hass, "DEV-1"),
        "product_key": "pTest",
        "device_key": "DEV-1",
        "recipient_type": None,
        "share_code": "CODE-OTHER-1",
        "expires_at": NEW_EXPIRY.isoformat(),
    }


async def test_duration_counts_from_now(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    before = dt_util.utcnow()
    response = await call(
        hass, SERVICE, {"share_code": "CODE-GUEST-2", "duration": {"days": 2}}
    )
    [updated] = response["updated"]
    expires_at = datetime.fromisoformat(updated["expires_at"])
    assert before + timedelta(days=2) <= expires_at + timedelta(milliseconds=1)
    assert expires_at <= dt_util.utcnow() + timedelta(days=2)
    # The response holds the expiry exactly as the cloud keeps it.
    assert expiry_ms_of(simulator, "CODE-GUEST-2") == int(expires_at.timestamp() * 1000)


async def test_set_expiry_of_every_share_to_a_recipient(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    events = async_capture_events(hass, EVENT_SHARE_UPDATED)
    devices = [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]

    response = await call(
        hass,
        SERVICE,
        {"device_id": devices, "email": GUEST_EMAIL, "expires_at": NEW_EXPIRY},
    )

    codes = ["CODE-GUEST-1", "CODE-GUEST-2"]
    assert sorted(r["share_code"] for r in response["updated"]) == codes
    assert [expiry_ms_of(simulator, code) for code in codes] == [NEW_EXPIRY_MS] * 2
    # Other recipients' and ended shares are left alone.
    assert expiry_ms_of(simulator, "CODE-OTHER-1") is None
    assert expiry_ms_of(simulator, "CODE-OLD") is None
    assert sorted(response["updated"], key=lambda r: r["share_code"]) == snapshot(
        matcher=RANDOM_DEVICE_IDS
    )
    assert sorted(e.data["share_code"] for e in events) == codes
    assert {e.data["recipient_type"] for e in events} == {"email"}
    assert_no_contact_details([dict(e.data) for e in events])
    assert recipients(hass, "DEV-2")["CODE-GUEST-2"]["expires_at"] == (
        NEW_EXPIRY.isoformat()
    )


@pytest.mark.parametrize("code", [5032, 5041, 5106, 5136, 5142, 5145])
async def test_every_error_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    code: int,
) -> None:
    """setShareTime's documented codes, and the simulator's 5142 and 5145."""
    events = async_capture_events(hass, EVENT_SHARE_UPDATED)
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=Endpoint.SET_SHARE_TIME)

    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass, SERVICE, {"share_code": "CODE-GUEST-1", "expires_at": NEW_EXPIRY}
        )

    assert err.value.translation_key == ERROR_CODES[code].key
    assert err.value.translation_placeholders["code"] == str(code)
    assert expiry_ms_of(simulator, "CODE-GUEST-1") != NEW_EXPIRY_MS
    assert events == []


async def test_real_permission_and_ended_share_errors(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    # Another user's share of their own device: the cloud refuses (5041).
    seed_share(simulator, "OTHER-1", GUEST_UID, "OTHER-TO-GUEST", pk="pOther")
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass, SERVICE, {"share_code": "OTHER-TO-GUEST", "expires_at": NEW_EXPIRY}
        )
    assert err.value.translation_key == "no_permission"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"share_code": "CODE-OLD", "expires_at": NEW_EXPIRY})
    assert err.value.translation_key == "share_expired"


async def test_no_active_share_to_the_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            SERVICE,
            {
                "product_key": "pTest2",
                "device_key": "DEV-3",
                "uid": GUEST_UID,
                "expires_at": NEW_EXPIRY,
            },
        )
    assert err.value.translation_key == "no_matching_share"
    assert simulator.requests_to(Endpoint.SET_SHARE_TIME) == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"share_code": "C"}, "expiry_missing"),
        ({"share_code": "C", "expires_at": "2001-01-01 00:00:00"}, "expiry_in_past"),
        ({"share_code": "C", "duration": {"seconds": 0}}, "duration_not_positive"),
        (
            {"share_code": "C", "expires_at": LATER, "duration": {"days": 1}},
            "expiry_ambiguous",
        ),
        ({"expires_at": LATER}, "share_selector_missing"),
        (
            {"share_code": "C", "uid": "U3", "expires_at": LATER},
            "share_selector_ambiguous",
        ),
        ({"share_code": "C", "expires_at": "soon"}, "invalid_datetime"),
    ],
)
async def test_validation_before_any_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, data)
    assert err.value.translation_key == key
    assert simulator.requests == []


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
            {"share_code": "CODE-GUEST-1", "expires_at": NEW_EXPIRY},
            Context(user_id=hass_read_only_user.id),
        )
    assert simulator.requests == []


async def test_admin_and_automation_are_allowed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_admin_user: User,
) -> None:
    await call(
        hass,
        SERVICE,
        {"share_code": "CODE-GUEST-1", "expires_at": NEW_EXPIRY},
        Context(user_id=hass_admin_user.id),
    )
    await call(
        hass,
        SERVICE,
        {"share_code": "CODE-GUEST-2", "expires_at": NEW_EXPIRY},
        return_response=False,
    )
    assert expiry_ms_of(simulator, "CODE-GUEST-1") == NEW_EXPIRY_MS
    assert expiry_ms_of(simulator, "CODE-GUEST-2") == NEW_EXPIRY_MS
