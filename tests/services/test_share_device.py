"""The `quectel_iot.share_device` action, end to end against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
from typing import Any

from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.matchers import path_type

from custom_components.quectel_iot.api.const import CoverMark, Endpoint
from custom_components.quectel_iot.api.errors import (
    ERROR_CODES,
)
from custom_components.quectel_iot.const import (
    CONF_BASE_URL,
    CONF_TOKENS,
    DOMAIN,
    EVENT_DEVICE_SHARED,
)
from simulator import Fault, Simulator

from ..conftest import (
    FAMILY_EMAIL,
    GUEST_EMAIL,
    GUEST_PHONE,
    GUEST_UID,
    OWNER_EMAIL,
    OWNER_UID,
    cloud_device,
)

PACKAGE = Path(__file__).parents[2] / "custom_components" / DOMAIN
EXCEPTIONS: dict[str, dict[str, str]] = json.loads(
    (PACKAGE / "translations" / "en.json").read_text(encoding="utf-8")
)["exceptions"]

SERVICE = "share_device"
# A fixed future moment, so that responses can be snapshotted.
LATER = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER_MS = 4071006245000

# Share codes and registry ids are random; the tests compare them one by one.
RANDOM_IDS = path_type({r"shares\.\d+\.(share_code|device_id)": (str,)}, regex=True)


@pytest.fixture(params=["recipient", "device"], autouse=True)
def cover_mark_scope(request: pytest.FixtureRequest, simulator: Simulator) -> None:
    """Every share test under both readings of coverMark 1 and 3 the docs allow:
    they override this recipient's previous share, or the device's."""
    simulator.cover_mark_scope = request.param


def device_id(hass: HomeAssistant, dk: str, pk: str = "pTest") -> str:
    """Return the registry id of a device of the scenario."""
    device = cloud_device(hass, pk, dk)
    assert device is not None
    return device.id


async def share(
    hass: HomeAssistant, data: dict[str, Any], context: Context | None = None
) -> dict[str, Any]:
    """Call the action and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        SERVICE,
        data,
        blocking=True,
        return_response=True,
        context=context,
    )
    assert response is not None
    return dict(response)


def message(key: str, **placeholders: str) -> str:
    """Return the message of ``key`` as Home Assistant renders it from en.json."""
    return EXCEPTIONS[key]["message"].rstrip(".").format(**placeholders)


def cloud_message(code: int) -> str:
    """Return the translated message of a documented cloud error code."""
    spec = ERROR_CODES[code]
    return message(
        spec.key,
        code=str(code),
        msg=spec.explanation,
        error=f"{spec.explanation} ({code})",
    )


def share_requests(simulator: Simulator) -> list[Any]:
    """Return the shareByUid requests the simulator received."""
    return simulator.requests_to(Endpoint.SHARE_BY_UID)


# --- success -----------------------------------------------------------------


async def test_share_one_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    dev1 = device_id(hass, "DEV-1")
    response = await share(
        hass, {"device_id": dev1, "email": GUEST_EMAIL, "expires_at": LATER}
    )

    assert response == snapshot(matcher=RANDOM_IDS)
    [shared] = response["shares"]
    assert shared["device_id"] == dev1
    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == shared["share_code"]
    assert active.share_uid == GUEST_UID
    assert active.expire_at_ms == LATER_MS
    assert active.cover_mark == CoverMark.REPLACE
    assert LATER.timestamp() * 1000 == LATER_MS


async def test_share_several_devices(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    ids = [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]
    ids.append(device_id(hass, "DEV-3", pk="pTest2"))
    response = await share(hass, {"device_id": ids, "uid": GUEST_UID})

    assert response == snapshot(matcher=RANDOM_IDS)
    assert [s["device_id"] for s in response["shares"]] == ids
    for shared in response["shares"]:
        [active] = simulator.active_shares(shared["product_key"], shared["device_key"])
        assert active.share_code == shared["share_code"]
        assert active.share_uid == GUEST_UID
        assert active.expire_at_ms is None  # for life
    assert len(share_requests(simulator)) == 3


async def test_same_device_twice_is_shared_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    dev1 = device_id(hass, "DEV-1")
    response = await share(hass, {"device_id": [dev1, dev1], "uid": GUEST_UID})

    assert len(response["shares"]) == 1
    assert len(share_requests(simulator)) == 1


@pytest.mark.parametrize(
    ("field", "param"),
    [("email", "email"), ("phone", "phone"), ("uid", "shareUid")],
)
async def test_request_is_as_documented(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    field: str,
    param: str,
) -> None:
    """One share sends exactly the documented parameters, and the token as issued."""
    recipient = {"email": GUEST_EMAIL, "phone": GUEST_PHONE, "uid": GUEST_UID}[field]
    await share(
        hass,
        {"device_id": device_id(hass, "DEV-1"), "expires_at": LATER, field: recipient},
    )

    [request] = share_requests(simulator)
    assert request.method == "POST"
    assert request.query == {
        "dk": "DEV-1",
        "pk": "pTest",
        "authKey": "auth-1",
        "coverMark": "1",
        param: recipient,
        "sharingExpireAt": str(LATER_MS),
    }
    issued = init_integration.data[CONF_TOKENS]["access_token"]
    assert issued.startswith("Bearer ")
    assert request.headers["Authorization"] == issued
    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_uid == GUEST_UID


async def test_phone_is_normalized_and_lifetime_share_sends_no_expiry(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await share(hass, {"device_id": device_id(hass, "DEV-1"), "phone": " 555-0003 "})

    [request] = share_requests(simulator)
    assert request.query["phone"] == GUEST_PHONE
    assert "sharingExpireAt" not in request.query
    assert "email" not in request.query
    assert "shareUid" not in request.query


async def test_auth_key_override(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """The override is sent as given; the simulator accepts only the right one."""
    await share(
        hass,
        {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID, "auth_key": "auth-1"},
    )
    with pytest.raises(HomeAssistantError) as err:
        await share(
            hass,
            {
                "device_id": device_id(hass, "DEV-2"),
                "uid": GUEST_UID,
                "auth_key": "bad",
            },
        )

    assert [r.query["authKey"] for r in share_requests(simulator)] == ["auth-1", "bad"]
    assert err.value.translation_key == "no_share_permission"
    assert str(err.value) == cloud_message(5135)
    assert simulator.active_shares("pTest", "DEV-2") == []


async def test_share_by_product_and_device_key(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    response = await share(
        hass,
        {
            "product_key": "pTest",
            "device_key": "DEV-2",
            "config_entry_id": init_integration.entry_id,
            "email": GUEST_EMAIL,
            "duration": {"hours": 2},
        },
    )

    [shared] = response["shares"]
    assert shared["device_id"] == device_id(hass, "DEV-2")
    assert (shared["product_key"], shared["device_key"]) == ("pTest", "DEV-2")
    assert shared["recipient"] == GUEST_EMAIL
    expires_at = datetime.fromisoformat(shared["expires_at"])
    assert expires_at.tzinfo is not None
    [request] = share_requests(simulator)
    assert int(request.query["sharingExpireAt"]) == int(expires_at.timestamp() * 1000)
    # Two hours from now, measured by the simulator's clock (no timing claim).
    assert (
        abs(int(request.query["sharingExpireAt"]) - simulator.now_ms() - 7_200_000)
        < 60_000
    )


async def test_naive_expiry_is_home_assistant_local_time(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await hass.config.async_set_time_zone("Asia/Shanghai")
    response = await share(
        hass,
        {
            "device_id": device_id(hass, "DEV-1"),
            "uid": GUEST_UID,
            "expires_at": "2099-01-02 11:04:05",  # UTC+8
        },
    )

    [request] = share_requests(simulator)
    assert request.query["sharingExpireAt"] == str(LATER_MS)
    assert response["shares"][0]["expires_at"] == LATER.isoformat()


async def test_event_fired_without_raw_contact_data(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    events = async_capture_events(hass, EVENT_DEVICE_SHARED)
    context = Context()
    dev1 = device_id(hass, "DEV-1")
    by_email = await share(
        hass, {"device_id": dev1, "email": GUEST_EMAIL, "expires_at": LATER}, context
    )
    by_phone = await share(hass, {"device_id": dev1, "phone": GUEST_PHONE})
    by_uid = await share(hass, {"device_id": dev1, "uid": GUEST_UID})
    await hass.async_block_till_done()

    assert [event.data for event in events] == [
        {
            "device_id": dev1,
            "product_key": "pTest",
            "device_key": "DEV-1",
            "recipient_type": recipient_type,
            "share_code": response["shares"][0]["share_code"],
            "expires_at": expires_at,
        }
        for recipient_type, response, expires_at in (
            ("email", by_email, LATER.isoformat()),
            ("phone", by_phone, None),
            ("uid", by_uid, None),
        )
    ]
    assert events[0].context is context
    for event in events:
        flat = json.dumps(event.data)
        assert GUEST_EMAIL not in flat
        assert GUEST_PHONE not in flat


# --- modes -------------------------------------------------------------------


async def test_mode_replace_keeps_one_share_per_recipient(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    data = {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID}
    first = await share(hass, data)
    second = await share(hass, {**data, "mode": "replace"})

    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == second["shares"][0]["share_code"]
    assert active.share_code != first["shares"][0]["share_code"]
    assert [r.query["coverMark"] for r in share_requests(simulator)] == ["1", "1"]


async def test_mode_add_creates_another_share(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    data = {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID, "mode": "add"}
    first = await share(hass, data)
    second = await share(hass, data)

    codes = {s.share_code for s in simulator.active_shares("pTest", "DEV-1")}
    assert codes == {
        first["shares"][0]["share_code"],
        second["shares"][0]["share_code"],
    }
    assert [r.query["coverMark"] for r in share_requests(simulator)] == ["2", "2"]


async def test_mode_extend_replaces_only_when_later(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    data = {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID, "mode": "extend"}
    first = await share(hass, {**data, "duration": {"days": 10}})
    first_code = first["shares"][0]["share_code"]
    first_expiry = first["shares"][0]["expires_at"]

    # Shorter: the cloud keeps the share, and the response says so.
    shorter = await share(hass, {**data, "duration": {"days": 1}})
    assert shorter["shares"][0]["share_code"] == first_code
    assert shorter["shares"][0]["expires_at"] == first_expiry
    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == first_code

    # Later: the share is replaced.
    later = await share(hass, {**data, "expires_at": LATER})
    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == later["shares"][0]["share_code"] != first_code
    assert active.expire_at_ms == LATER_MS
    assert later["shares"][0]["expires_at"] == LATER.isoformat()

    # For life is later than any date.
    lifelong = await share(hass, data)
    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == lifelong["shares"][0]["share_code"]
    assert active.expire_at_ms is None
    assert lifelong["shares"][0]["expires_at"] is None
    assert {r.query["coverMark"] for r in share_requests(simulator)} == {"3"}


@pytest.mark.parametrize(
    ("fault", "body"),
    [
        (Fault.BAD_ENVELOPE, {"code": 200, "msg": "", "data": []}),
    ],
    ids=["not-listed"],
)
@pytest.mark.usefixtures("init_integration")
async def test_mode_extend_reports_requested_expiry_when_lookup_fails(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, body: Any
) -> None:
    """The share stands even when the list does not show it."""
    simulator.clear_requests()
    simulator.inject(fault, endpoint=Endpoint.SHARE_USER_LIST, body=body)
    response = await share(
        hass,
        {
            "device_id": device_id(hass, "DEV-1"),
            "uid": GUEST_UID,
            "mode": "extend",
            "expires_at": LATER,
        },
    )

    assert response["shares"][0]["expires_at"] == LATER.isoformat()
    assert len(simulator.active_shares("pTest", "DEV-1")) == 1
    [read_back, *_] = simulator.requests_to(Endpoint.SHARE_USER_LIST)
    assert read_back.query == {"pk": "pTest", "dk": "DEV-1"}


@pytest.mark.parametrize("mode", ["replace", "extend"])
@pytest.mark.usefixtures("init_integration")
async def test_mode_replace_or_extend_shares_nothing_when_the_list_is_unreadable(
    hass: HomeAssistant, simulator: Simulator, mode: str
) -> None:
    """The coverMark depends on the list: unread, nothing is shared blind."""
    simulator.clear_requests()
    simulator.inject(Fault.HTTP_502, endpoint=Endpoint.SHARE_USER_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await share(
            hass,
            {
                "device_id": device_id(hass, "DEV-1"),
                "uid": GUEST_UID,
                "mode": mode,
                "expires_at": LATER,
            },
        )
    assert err.value.translation_key == "cannot_connect"
    assert len(simulator.requests_to(Endpoint.SHARE_USER_LIST)) == 1
    assert share_requests(simulator) == []
    assert simulator.active_shares("pTest", "DEV-1") == []


# --- concurrency and partial failure ----------------------------------------


async def test_many_devices_at_most_ten_requests_in_flight(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    for number in range(25):
        simulator.add_device("pBulk", f"B{number:02}", OWNER_UID)
    await init_integration.runtime_data.devices.async_refresh()
    await hass.async_block_till_done()
    ids = [device_id(hass, f"B{number:02}", pk="pBulk") for number in range(25)]
    simulator.latency = 0.05
    simulator.reset_max_in_flight()

    response = await share(hass, {"device_id": ids, "uid": GUEST_UID})

    assert len(response["shares"]) == 25
    assert len(simulator.active_shares("pBulk")) == 25
    # Shared concurrently, but never more than the client's ten at a time.
    assert simulator.max_in_flight_by_uid[OWNER_UID] == 10


async def test_partial_failure_names_failed_and_succeeded_devices(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    events = async_capture_events(hass, EVENT_DEVICE_SHARED)
    ids = [device_id(hass, "DEV-1"), device_id(hass, "DEV-U")]

    with pytest.raises(HomeAssistantError) as err:
        await share(hass, {"device_id": ids, "uid": GUEST_UID})

    assert err.value.translation_key == "partial_failure"
    # The cloud refused the failed device: the caller must change the call.
    assert isinstance(err.value, ServiceValidationError)
    assert str(err.value) == message(
        "partial_failure",
        failed_count="1",
        total="2",
        failed=f"Unverified device: {cloud_message(5360)}",
        succeeded="Device 1",
    )
    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_uid == GUEST_UID
    assert simulator.active_shares("pTest", "DEV-U") == []
    await hass.async_block_till_done()
    assert [event.data["device_key"] for event in events] == ["DEV-1"]
    assert events[0].data["share_code"] == active.share_code


async def test_every_device_failing(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    ids = [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]
    with pytest.raises(HomeAssistantError) as err:
        await share(hass, {"device_id": ids, "email": FAMILY_EMAIL})

    assert err.value.translation_key == "partial_failure"
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["failed_count"] == "2"
    assert err.value.translation_placeholders["succeeded"] == "-"
    assert "Device 1: " in str(err.value)
    assert "Device 2: " in str(err.value)
    assert simulator.active_shares("pTest") == []


# --- cloud refusals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("dk", "recipient", "code"),
    [
        ("DEV-U", {"uid": GUEST_UID}, 5360),
        ("DEV-1", {"email": FAMILY_EMAIL}, 5864),
        ("DEV-1", {"email": "nobody@example.test"}, 5134),
        ("DEV-1", {"email": OWNER_EMAIL}, 5134),
        ("DEV-1", {"uid": "U-UNKNOWN"}, 5134),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_cloud_refusal(
    hass: HomeAssistant,
    simulator: Simulator,
    dk: str,
    recipient: dict[str, str],
    code: int,
) -> None:
    with pytest.raises(HomeAssistantError) as err:
        await share(hass, {"device_id": device_id(hass, dk), **recipient})

    # The cloud refused what was asked: the caller must change the call, and
    # Home Assistant reports that without a traceback.
    assert isinstance(err.value, ServiceValidationError)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == ERROR_CODES[code].key
    assert str(err.value) == cloud_message(code)
    assert len(share_requests(simulator)) == 1
    assert simulator.active_shares("pTest", dk) == []


@pytest.mark.parametrize("code", [5133, 5145, 5891, 5066, 5067, 5135, 5106])
async def test_injected_cloud_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    code: int,
) -> None:
    """Codes our own validation prevents still get their own message."""
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=Endpoint.SHARE_BY_UID)
    with pytest.raises(HomeAssistantError) as err:
        await share(hass, {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID})

    assert err.value.translation_key == ERROR_CODES[code].key
    assert str(err.value) == cloud_message(code)
    assert simulator.active_shares("pTest", "DEV-1") == []


async def test_undocumented_cloud_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.UNKNOWN_CODE, endpoint=Endpoint.SHARE_BY_UID)
    with pytest.raises(HomeAssistantError) as err:
        await share(hass, {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID})

    assert err.value.translation_key == "unknown_error_code"
    assert str(err.value) == message(
        "unknown_error_code", code="9999", msg="Unknown error"
    )


@pytest.mark.parametrize(
    ("fault", "mode", "list_fault", "key"),
    [
        # The answer is lost; the list read after shows no share.
        (Fault.HTTP_502, "replace", None, "not_done"),
        (Fault.DROP_CONNECTION, "add", None, "not_done"),
        # An unusable answer is not a lost one.
        (Fault.MALFORMED_JSON, "replace", None, "malformed_response"),
        # The answer is lost, and so is the list that would tell.
        (Fault.DROP_AFTER_EXECUTE, "add", Fault.HTTP_502, "outcome_unknown"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_connection_failures(  # noqa: PLR0917
    hass: HomeAssistant,
    simulator: Simulator,
    fault: Fault,
    mode: str,
    list_fault: Fault | None,
    key: str,
) -> None:
    simulator.inject(fault, endpoint=Endpoint.SHARE_BY_UID)
    if list_fault is not None:
        simulator.inject(list_fault, endpoint=Endpoint.SHARE_USER_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await share(
            hass,
            {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID, "mode": mode},
        )

    assert err.value.translation_key == key
    before, _, after = message(
        key, code="{code}", msg="{msg}", error="{error}"
    ).partition("{error}")
    assert str(err.value).startswith(before)
    assert str(err.value).endswith(after)
    # Not the caller's fault: a plain error, which Home Assistant logs in full.
    assert not isinstance(err.value, ServiceValidationError)
    assert len(share_requests(simulator)) == 1


@pytest.mark.parametrize(
    "expire",
    [Simulator.expire_access_tokens, Simulator.revoke_tokens],
    ids=["expired", "revoked"],
)
async def test_rejected_token_is_renewed_transparently(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    expire: Any,
) -> None:
    old_token = init_integration.data[CONF_TOKENS]["access_token"]
    expire(simulator)
    simulator.clear_requests()

    response = await share(
        hass, {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID}
    )

    [active] = simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == response["shares"][0]["share_code"]
    new_token = init_integration.data[CONF_TOKENS]["access_token"]
    assert new_token != old_token
    # replace mode reads the list first: that read meets the stale token, is
    # sent again with the new one, and the share goes with the new one.
    first, retry = simulator.requests_to(Endpoint.SHARE_USER_LIST)
    assert first.headers["Authorization"] == old_token
    assert retry.headers["Authorization"] == new_token
    [shared] = share_requests(simulator)
    assert shared.headers["Authorization"] == new_token


async def test_injected_5032_is_retried_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=5032, endpoint=Endpoint.SHARE_BY_UID, times=1
    )
    await share(hass, {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID})

    assert len(share_requests(simulator)) == 2
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN)) == 1
    assert len(simulator.active_shares("pTest", "DEV-1")) == 1


async def test_rejected_password_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.revoke_tokens()
    simulator.set_password(OWNER_EMAIL, "changed-pass")

    with pytest.raises(HomeAssistantError) as err:
        await share(hass, {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID})

    assert err.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert simulator.active_shares("pTest", "DEV-1") == []


# --- permissions -----------------------------------------------------------------


async def test_non_admin_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_read_only_user: User,
) -> None:
    with pytest.raises(Unauthorized):
        await share(
            hass,
            {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID},
            Context(user_id=hass_read_only_user.id),
        )
    assert share_requests(simulator) == []


async def test_unknown_user_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(UnknownUser):
        await share(
            hass,
            {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID},
            Context(user_id="no-such-user"),
        )
    assert share_requests(simulator) == []


async def test_admin_and_automation_are_allowed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_admin_user: User,
) -> None:
    data = {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID, "mode": "add"}
    await share(hass, data, Context(user_id=hass_admin_user.id))
    await share(hass, data, Context())

    assert len(simulator.active_shares("pTest", "DEV-1")) == 2


# --- validation ------------------------------------------------------------------

DEV1 = object()  # stands for the registry id of DEV-1
OTHER_INTEGRATION_DEVICE = object()  # a device of another integration

# (input, translation key of the ServiceValidationError it must raise)
INVALID_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"device_id": DEV1}, "recipient_missing_input"),
    (
        {"device_id": DEV1, "email": GUEST_EMAIL, "uid": GUEST_UID},
        "recipient_ambiguous",
    ),
    (
        {"device_id": DEV1, "email": GUEST_EMAIL, "phone": GUEST_PHONE},
        "recipient_ambiguous",
    ),
    (
        {"device_id": DEV1, "phone": GUEST_PHONE, "uid": GUEST_UID},
        "recipient_ambiguous",
    ),
    ({"device_id": DEV1, "email": "guest-at-example.test"}, "invalid_email"),
    ({"device_id": DEV1, "email": "guest@example"}, "invalid_email"),
    ({"device_id": DEV1, "email": "a b@example.test"}, "invalid_email"),
    ({"device_id": DEV1, "email": "x" * 250 + "@example.test"}, "field_too_long"),
    ({"device_id": DEV1, "phone": "12ab34"}, "invalid_phone"),
    ({"device_id": DEV1, "phone": "1234"}, "invalid_phone"),
    ({"device_id": DEV1, "uid": "U 3"}, "invalid_uid"),
    ({"device_id": DEV1, "email": "  "}, "field_empty"),
    ({"device_id": DEV1, "uid": True}, "field_not_text"),
    (
        {"device_id": DEV1, "uid": GUEST_UID, "expires_at": "2000-01-01 00:00:00"},
        "expiry_in_past",
    ),
    (
        {
            "device_id": DEV1,
            "uid": GUEST_UID,
            "expires_at": "9999-12-31T23:59:59.999+00:00",
        },
        "expiry_too_late",
    ),
    (
        {"device_id": DEV1, "uid": GUEST_UID, "expires_at": "not a date"},
        "invalid_datetime",
    ),
    (
        {
            "device_id": DEV1,
            "uid": GUEST_UID,
            "expires_at": LATER,
            "duration": {"hours": 1},
        },
        "expiry_ambiguous",
    ),
    (
        {"device_id": DEV1, "uid": GUEST_UID, "duration": "00:00:00"},
        "duration_not_positive",
    ),
    (
        {"device_id": DEV1, "uid": GUEST_UID, "duration": "-01:00:00"},
        "duration_not_positive",
    ),
    (
        {"device_id": DEV1, "uid": GUEST_UID, "duration": {"days": 999_999_999}},
        "expiry_too_late",
    ),
    ({"device_id": DEV1, "uid": GUEST_UID, "mode": "sometimes"}, "invalid_choice"),
    ({"device_id": DEV1, "uid": GUEST_UID, "auth_key": "k" * 257}, "field_too_long"),
    ({"device_id": DEV1, "uid": GUEST_UID, "colour": "red"}, "unknown_field"),
    ({"uid": GUEST_UID}, "target_missing"),
    ({"device_id": [], "uid": GUEST_UID}, "field_empty"),
    ({"device_id": "no-such-device", "uid": GUEST_UID}, "unknown_device"),
    ({"device_id": OTHER_INTEGRATION_DEVICE, "uid": GUEST_UID}, "unknown_device"),
    (
        {
            "device_id": DEV1,
            "product_key": "pTest",
            "device_key": "DEV-1",
            "uid": GUEST_UID,
        },
        "target_ambiguous",
    ),
    ({"device_id": DEV1, "device_key": "DEV-1", "uid": GUEST_UID}, "target_ambiguous"),
    ({"product_key": "pTest", "uid": GUEST_UID}, "keys_incomplete"),
    ({"device_key": "DEV-1", "uid": GUEST_UID}, "keys_incomplete"),
    (
        {"product_key": "pTest", "device_key": "DEV 1", "uid": GUEST_UID},
        "field_bad_characters",
    ),
    (
        {"product_key": ["pTest"], "device_key": "DEV-1", "uid": GUEST_UID},
        "field_not_text",
    ),
    (
        {"product_key": "pTest", "device_key": "NOPE", "uid": GUEST_UID},
        "unknown_device",
    ),
    # Shared with the owner, not owned: it cannot be re-shared.
    (
        {"product_key": "pOther", "device_key": "OTHER-1", "uid": GUEST_UID},
        "device_received",
    ),
    (
        {
            "product_key": "pTest",
            "device_key": "DEV-1",
            "config_entry_id": "nope",
            "uid": GUEST_UID,
        },
        "unknown_config_entry",
    ),
]


async def test_invalid_input_is_refused_before_any_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Every case in one Home Assistant, to keep the suite fast."""
    other = MockConfigEntry(domain="other_integration")
    other.add_to_hass(hass)
    foreign = device_registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other_integration", "x")}
    )
    stand_ins = {
        id(DEV1): device_id(hass, "DEV-1"),
        id(OTHER_INTEGRATION_DEVICE): foreign.id,
    }

    outcomes: list[tuple[int, str, str | None, bool]] = []
    for number, (case, _) in enumerate(INVALID_INPUT):
        data = dict(case)
        if id(data.get("device_id")) in stand_ins:
            data["device_id"] = stand_ins[id(data["device_id"])]
        try:
            await share(hass, data)
        except ServiceValidationError as err:
            rendered = message(
                str(err.translation_key), **(err.translation_placeholders or {})
            )
            outcomes.append(
                (
                    number,
                    "ServiceValidationError",
                    err.translation_key,
                    err.translation_domain == DOMAIN and str(err) == rendered,
                )
            )
        except Exception as err:
            outcomes.append((number, type(err).__name__, None, False))
        else:
            outcomes.append((number, "no error", None, False))

    assert outcomes == [
        (number, "ServiceValidationError", key, True)
        for number, (_, key) in enumerate(INVALID_INPUT)
    ]
    assert share_requests(simulator) == []


async def test_invalid_input_message_names_field(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await share(
            hass,
            {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID, "mode": "x"},
        )
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["field"] == "mode"
    assert str(err.value) == ('mode must be one of replace, add, extend; got "x"')


async def test_device_of_unloaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    dev1 = device_id(hass, "DEV-1")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED

    with pytest.raises(ServiceValidationError) as err:
        await share(hass, {"device_id": dev1, "uid": GUEST_UID})
    assert err.value.translation_key == "entry_not_loaded"
    assert str(err.value) == message("entry_not_loaded", title=OWNER_EMAIL)

    with pytest.raises(ServiceValidationError) as err:
        await share(
            hass,
            {"product_key": "pTest", "device_key": "DEV-1", "uid": GUEST_UID},
        )
    assert err.value.translation_key == "unknown_device"

    with pytest.raises(ServiceValidationError) as err:
        await share(
            hass,
            {
                "product_key": "pTest",
                "device_key": "DEV-1",
                "config_entry_id": init_integration.entry_id,
                "uid": GUEST_UID,
            },
        )
    assert err.value.translation_key == "entry_not_loaded"
    assert share_requests(simulator) == []


async def test_device_the_cloud_no_longer_lists(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """A registry device whose cloud device vanished is not shared."""
    dev2 = device_id(hass, "DEV-2")
    simulator.remove_device("pTest", "DEV-2")
    # The registry keeps the device until the next sync; act in between.
    coordinator = init_integration.runtime_data.devices
    coordinator.data = {
        uid: device for uid, device in coordinator.data.items() if uid != "pTest_DEV-2"
    }

    with pytest.raises(ServiceValidationError) as err:
        await share(hass, {"device_id": dev2, "uid": GUEST_UID})
    assert err.value.translation_key == "unknown_device"
    assert err.value.translation_placeholders == {"device": "Device 2"}
    assert share_requests(simulator) == []


# --- two accounts ----------------------------------------------------------------


@pytest.fixture
async def second_simulator(socket_enabled: None) -> Any:
    """Another cloud where an account owns devices with the same keys."""
    sim = Simulator.from_scenario("test")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def second_entry(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entry_data: dict[str, Any],
    second_simulator: Simulator,
) -> MockConfigEntry:
    """A second loaded account, whose devices have the first one's keys."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="second@example.test",
        unique_id="second-cloud-U1",
        data={**entry_data, CONF_BASE_URL: second_simulator.base_url},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def test_keys_of_two_accounts_need_config_entry_id(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    second_entry: MockConfigEntry,
    simulator: Simulator,
    second_simulator: Simulator,
) -> None:
    keys = {"product_key": "pTest", "device_key": "DEV-1", "uid": GUEST_UID}
    with pytest.raises(ServiceValidationError) as err:
        await share(hass, keys)
    assert err.value.translation_key == "device_ambiguous"
    assert str(err.value) == message("device_ambiguous", device="pTest_DEV-1")
    assert share_requests(simulator) == share_requests(second_simulator) == []

    response = await share(hass, {**keys, "config_entry_id": second_entry.entry_id})
    assert share_requests(simulator) == []
    [active] = second_simulator.active_shares("pTest", "DEV-1")
    assert active.share_code == response["shares"][0]["share_code"]


@pytest.mark.usefixtures("init_integration")
async def test_a_success_without_share_code_is_reported_as_such(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The docs' template answers data "": the share stands, its code is unknown."""
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_BY_UID,
        times=1,
        body={"code": 200, "msg": "", "data": ""},
    )
    response = await share(
        hass, {"device_id": device_id(hass, "DEV-1"), "uid": GUEST_UID}
    )

    [shared] = response["shares"]
    assert shared["share_code"] is None
    assert shared["device_key"] == "DEV-1"
