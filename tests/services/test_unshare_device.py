"""The `quectel_iot.unshare_device` action, end to end against the simulator."""

from __future__ import annotations

from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.quectel_iot.api.const import Endpoint, ShareStatus
from custom_components.quectel_iot.api.errors import ERROR_CODES
from custom_components.quectel_iot.const import (
    CONF_EMAIL,
    CONF_PASSWORD,
    DOMAIN,
    EVENT_SHARE_REVOKED,
)
from simulator import Fault, Simulator

from ..conftest import GUEST_EMAIL, GUEST_PHONE, GUEST_UID, OTHER_EMAIL, OTHER_UID
from ..share_helpers import (
    LATER_MS,
    RANDOM_DEVICE_IDS,
    assert_no_contact_details,
    call,
    device_id,
    seed_scenario_shares,
    seed_share,
    shares_state,
)

SERVICE = "unshare_device"


@pytest.fixture(autouse=True)
def shares(simulator: Simulator) -> None:
    """Seed the shares before the integration is set up."""
    seed_scenario_shares(simulator)


def status_of(simulator: Simulator, code: str) -> ShareStatus:
    share = simulator.share(code)
    return share.status


async def test_revoke_by_share_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    events = async_capture_events(hass, EVENT_SHARE_REVOKED)
    assert shares_state(hass, "DEV-1").state == "2"

    response = await call(hass, SERVICE, {"share_code": "CODE-GUEST-1"})

    assert status_of(simulator, "CODE-GUEST-1") == ShareStatus.CANCELLED
    assert status_of(simulator, "CODE-OTHER-1") == ShareStatus.ACTIVE
    assert response["revoked"][0]["device_id"] == device_id(hass, "DEV-1")
    assert response == snapshot(matcher=RANDOM_DEVICE_IDS)
    # The dashboard is current at once, without waiting for the next poll.
    assert shares_state(hass, "DEV-1").state == "1"
    [event] = events
    assert event.data == {
        "device_id": device_id(hass, "DEV-1"),
        "product_key": "pTest",
        "device_key": "DEV-1",
        "recipient_type": None,
        "share_code": "CODE-GUEST-1",
        "expires_at": "2099-01-02T03:04:05+00:00",
    }
    assert_no_contact_details([dict(e.data) for e in events])


async def test_revoke_share_made_since_the_last_poll(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """With one account loaded, a code missing from its lists is still sent."""
    seed_share(simulator, "DEV-2", OTHER_UID, "CODE-NEW")
    events = async_capture_events(hass, EVENT_SHARE_REVOKED)

    response = await call(hass, SERVICE, {"share_code": "CODE-NEW"})

    assert status_of(simulator, "CODE-NEW") == ShareStatus.CANCELLED
    assert response == {
        "revoked": [
            {
                "device_id": None,
                "product_key": None,
                "device_key": None,
                "share_code": "CODE-NEW",
            }
        ]
    }
    assert events[0].data["share_code"] == "CODE-NEW"
    # The account's lists are fetched again, so the sensor shows the change.
    assert shares_state(hass, "DEV-2").state == "1"


@pytest.fixture
async def second_account(
    hass: HomeAssistant, init_integration: MockConfigEntry, entry_data: dict[str, Any]
) -> MockConfigEntry:
    """The account of "other@example.test" loaded next to the owner's."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=OTHER_EMAIL,
        unique_id=OTHER_UID,
        data={**entry_data, CONF_EMAIL: OTHER_EMAIL, CONF_PASSWORD: "other-pass"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_share_code_found_in_the_right_account(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    second_account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    # U4's own device, shared with the owner in the scenario.
    await call(hass, SERVICE, {"share_code": "OTHER-SHARE"})
    assert status_of(simulator, "OTHER-SHARE") == ShareStatus.CANCELLED
    await call(hass, SERVICE, {"share_code": "CODE-OTHER-1"})
    assert status_of(simulator, "CODE-OTHER-1") == ShareStatus.CANCELLED


async def test_a_share_code_while_no_account_is_loaded_is_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await hass.config_entries.async_unload(init_integration.entry_id)
    simulator.clear_requests()

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, {"share_code": "CODE-GUEST-1"})

    assert err.value.translation_key == "share_code_unknown"
    assert simulator.requests == []


async def test_unknown_share_code_with_several_accounts(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    second_account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    seed_share(simulator, "DEV-2", OTHER_UID, "CODE-NEW")
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, {"share_code": "CODE-NEW"})
    assert err.value.translation_key == "share_code_unknown"
    assert err.value.translation_placeholders == {"share_code": "CODE-NEW"}
    assert simulator.requests == []

    # Naming the account lets the cloud decide.
    await call(
        hass,
        SERVICE,
        {"share_code": "CODE-NEW", "config_entry_id": init_integration.entry_id},
    )
    assert status_of(simulator, "CODE-NEW") == ShareStatus.CANCELLED


async def test_share_code_of_another_owner_is_no_permission(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """5041 (not yours) and 5142 (already ended) are told apart."""
    seed_share(simulator, "OTHER-1", GUEST_UID, "OTHER-TO-GUEST", pk="pOther")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"share_code": "OTHER-TO-GUEST"})
    assert err.value.translation_key == "no_permission"
    assert err.value.translation_placeholders["code"] == "5041"
    assert status_of(simulator, "OTHER-TO-GUEST") == ShareStatus.ACTIVE

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"share_code": "CODE-OLD"})
    assert err.value.translation_key == "share_expired"
    assert err.value.translation_placeholders["code"] == "5142"


# 5142 (already ended) for a share seen active is a revocation that
# succeeded: see test_share_ended_since_it_was_seen_counts_as_revoked.
@pytest.mark.parametrize("code", [5032, 5041, 5106, 5136])
async def test_every_documented_error_code(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    code: int,
) -> None:
    events = async_capture_events(hass, EVENT_SHARE_REVOKED)
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=Endpoint.OWNER_UNSHARE)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"share_code": "CODE-GUEST-1"})

    assert err.value.translation_key == ERROR_CODES[code].key
    assert err.value.translation_placeholders["code"] == str(code)
    assert status_of(simulator, "CODE-GUEST-1") == ShareStatus.ACTIVE
    assert events == []
    reauth = list(init_integration.async_get_active_flows(hass, {"reauth"}))
    # A rejected token is no refused login: no reauthentication (issue 11).
    assert reauth == []


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(
            lambda sim: setattr(
                sim.state.share_by_code("CODE-GUEST-1"), "status", ShareStatus.CANCELLED
            ),
            id="revoked_elsewhere",
        ),
        pytest.param(
            lambda sim: sim.inject(
                Fault.ERROR_CODE, code=5142, endpoint=Endpoint.OWNER_UNSHARE, times=1
            ),
            id="answered_5142",
        ),
    ],
)
async def test_share_ended_since_it_was_seen_counts_as_revoked(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    end: Any,
) -> None:
    """5142 for a share that was active when last read: it is revoked.

    (Our own revocation whose answer was lost and that the HTTP library sent
    again gets this answer.)
    """
    events = async_capture_events(hass, EVENT_SHARE_REVOKED)
    assert shares_state(hass, "DEV-1").state == "2"
    end(simulator)
    simulator.clear_requests()

    response = await call(hass, SERVICE, {"share_code": "CODE-GUEST-1"})

    assert [r["share_code"] for r in response["revoked"]] == ["CODE-GUEST-1"]
    assert [e.data["share_code"] for e in events] == ["CODE-GUEST-1"]
    assert len(simulator.requests_to(Endpoint.OWNER_UNSHARE)) == 1
    assert shares_state(hass, "DEV-1").state == "1"


@pytest.mark.parametrize(
    ("recipient", "recipient_type"),
    [
        ({"email": GUEST_EMAIL.upper()}, "email"),
        ({"phone": f"{GUEST_PHONE[:3]} {GUEST_PHONE[3:]}"}, "phone"),
        ({"uid": GUEST_UID}, "uid"),
    ],
    ids=["email", "phone", "uid"],
)
@pytest.mark.usefixtures("init_integration")
async def test_revoke_every_share_to_a_recipient(
    hass: HomeAssistant,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
    recipient: dict[str, str],
    recipient_type: str,
) -> None:
    # A second active share to the guest on DEV-1, as "add" mode makes.
    seed_share(simulator, "DEV-1", GUEST_UID, "CODE-GUEST-1B", expire_at_ms=LATER_MS)
    events = async_capture_events(hass, EVENT_SHARE_REVOKED)
    devices = [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]

    response = await call(hass, SERVICE, {"device_id": devices, **recipient})

    codes = {"CODE-GUEST-1", "CODE-GUEST-1B", "CODE-GUEST-2"}
    assert {r["share_code"] for r in response["revoked"]} == codes
    assert {share.share_code for share in simulator.active_shares()} == {
        "CODE-OTHER-1",
        "OTHER-SHARE",
    }
    assert sorted(response["revoked"], key=lambda r: r["share_code"]) == snapshot(
        matcher=RANDOM_DEVICE_IDS
    )
    assert {e.data["share_code"] for e in events} == codes
    assert {e.data["recipient_type"] for e in events} == {recipient_type}
    assert_no_contact_details([dict(e.data) for e in events])
    assert shares_state(hass, "DEV-1").state == "1"
    assert shares_state(hass, "DEV-2").state == "0"


async def test_revoke_by_keys_and_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await call(
        hass,
        SERVICE,
        {"product_key": "pTest", "device_key": "DEV-1", "email": OTHER_EMAIL},
    )
    assert [r["share_code"] for r in response["revoked"]] == ["CODE-OTHER-1"]


async def test_no_active_share_to_the_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            SERVICE,
            {"device_id": device_id(hass, "DEV-2"), "email": OTHER_EMAIL},
        )
    assert err.value.translation_key == "no_matching_share"
    assert simulator.requests_to(Endpoint.OWNER_UNSHARE) == []


async def test_lookup_failure(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=5141, endpoint=Endpoint.SHARE_USER_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": device_id(hass, "DEV-1"), "uid": "U3"})
    assert err.value.translation_key == "no_query_permission"
    assert simulator.requests_to(Endpoint.OWNER_UNSHARE) == []


async def test_failure_after_some_shares_were_revoked(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """What was revoked before a failure is announced and shown."""
    events = async_capture_events(hass, EVENT_SHARE_REVOKED)
    simulator.inject(
        Fault.ERROR_CODE, code=5041, endpoint=Endpoint.OWNER_UNSHARE, times=1
    )
    devices = [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": devices, "uid": GUEST_UID})

    assert err.value.translation_key == "partial_failure"
    still_active = {s.share_code for s in simulator.active_shares("pTest")}
    [revoked] = {"CODE-GUEST-1", "CODE-GUEST-2"} - still_active
    assert [e.data["share_code"] for e in events] == [revoked]
    dk = "DEV-1" if revoked == "CODE-GUEST-1" else "DEV-2"
    assert shares_state(hass, dk).state == ("1" if dk == "DEV-1" else "0")


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "share_selector_missing"),
        ({"config_entry_id": "x"}, "share_selector_missing"),
        ({"share_code": "C", "email": GUEST_EMAIL}, "share_selector_ambiguous"),
        ({"share_code": "C", "device_id": "d"}, "share_selector_ambiguous"),
        ({"share_code": " "}, "field_empty"),
        ({"share_code": "C", "config_entry_id": "nope"}, "unknown_config_entry"),
        ({"device_id": "d"}, "unknown_device"),
        ({"email": GUEST_EMAIL}, "target_missing"),
        ({"product_key": "pTest", "device_key": "DEV-1"}, "recipient_missing_input"),
        (
            {"product_key": "pTest", "device_key": "DEV-1", "email": "nope"},
            "invalid_email",
        ),
        (
            {
                "product_key": "pTest",
                "device_key": "DEV-1",
                "uid": "U3",
                "phone": "55500",
            },
            "recipient_ambiguous",
        ),
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


async def test_without_response(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    assert (
        await call(hass, SERVICE, {"share_code": "CODE-GUEST-2"}, return_response=False)
        is None
    )
    assert status_of(simulator, "CODE-GUEST-2") == ShareStatus.CANCELLED


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
            {"share_code": "CODE-GUEST-1"},
            Context(user_id=hass_read_only_user.id),
        )
    assert simulator.requests == []
    assert status_of(simulator, "CODE-GUEST-1") == ShareStatus.ACTIVE


async def test_admin_and_automation_are_allowed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_admin_user: User,
) -> None:
    await call(
        hass,
        SERVICE,
        {"share_code": "CODE-GUEST-1"},
        Context(user_id=hass_admin_user.id),
    )
    await call(hass, SERVICE, {"share_code": "CODE-GUEST-2"})
    assert status_of(simulator, "CODE-GUEST-1") == ShareStatus.CANCELLED
    assert status_of(simulator, "CODE-GUEST-2") == ShareStatus.CANCELLED
