"""The `quectel_iot.create_invite` action, end to end against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api.const import Endpoint, ShareStatus
from simulator import Fault, LoggedRequest, Simulator

from ..share_helpers import call, device_id

SERVICE = "create_invite"
# The `now` fixture's moment, and the deadlines and ends the tests ask for.
NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
IN_24_HOURS_MS = 1906624800000  # 2030-06-02T10:00:00Z
ACCEPT_BY = "2030-06-01T12:00:00+00:00"
ACCEPT_BY_MS = 1906538400000 + 2 * 3_600_000
EXPIRES_AT = "2030-06-08T10:00:00+00:00"
EXPIRES_AT_MS = 1906538400000 + 7 * 86_400_000


@pytest.fixture(autouse=True)
def frozen(now: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Every test at the guest tests' NOW, so that deadlines are exact."""
    return now


def share_info_requests(simulator: Simulator) -> list[Any]:
    return simulator.requests_to(Endpoint.SHARE_INFO)


def invitations(simulator: Simulator, dk: str, pk: str = "pTest") -> list[Any]:
    """The share codes of a device nobody has accepted, in the simulator."""
    return [
        share
        for share in simulator.shares
        if (share.pk, share.dk) == (pk, dk) and share.status == ShareStatus.PENDING
    ]


async def invite(
    hass: HomeAssistant, data: dict[str, Any], context: Context | None = None
) -> dict[str, Any]:
    response = await call(hass, SERVICE, data, context)
    assert response is not None
    return dict(response)


# --- success -------------------------------------------------------------------


async def test_invite_one_device_for_24_hours_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    dev1 = device_id(hass, "DEV-1")
    simulator.clear_requests()

    response = await invite(hass, {"device_id": dev1})

    [made] = invitations(simulator, "DEV-1")
    assert response == {
        "invites": [
            {
                "device_id": dev1,
                "product_key": "pTest",
                "device_key": "DEV-1",
                "share_code": made.share_code,
                "accept_by": "2030-06-02T10:00:00+00:00",
                "expires_at": None,
            }
        ]
    }
    [request] = share_info_requests(simulator)
    assert request.method == "POST"
    assert request.query == {
        "dk": "DEV-1",
        "pk": "pTest",
        "authKey": "auth-1",
        "coverMark": "2",
        "acceptingExpireAt": str(IN_24_HOURS_MS),
    }
    assert made.accepting_expire_at_ms == IN_24_HOURS_MS
    assert made.expire_at_ms is None
    # Shown at once: no share list was read to show it.
    assert [r.path for r in simulator.requests] == [Endpoint.SHARE_INFO.value]


async def test_deadline_and_end_are_sent_in_milliseconds(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await invite(
        hass,
        {
            "product_key": "pTest",
            "device_key": "DEV-2",
            "accept_by": ACCEPT_BY,
            "expires_at": EXPIRES_AT,
        },
    )

    [request] = share_info_requests(simulator)
    assert request.query["acceptingExpireAt"] == str(ACCEPT_BY_MS)
    assert request.query["sharingExpireAt"] == str(EXPIRES_AT_MS)
    assert request.query["coverMark"] == "2"
    [made] = response["invites"]
    assert (made["accept_by"], made["expires_at"]) == (ACCEPT_BY, EXPIRES_AT)


async def test_accept_within_and_duration_count_from_now(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    await invite(
        hass,
        {
            "device_id": device_id(hass, "DEV-1"),
            "accept_within": {"hours": 2},
            "duration": {"days": 7},
        },
    )

    [request] = share_info_requests(simulator)
    assert request.query["acceptingExpireAt"] == str(ACCEPT_BY_MS)
    assert request.query["sharingExpireAt"] == str(EXPIRES_AT_MS)


async def test_several_devices_get_one_code_each(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    ids = [device_id(hass, "DEV-1"), device_id(hass, "DEV-2")]
    ids.append(device_id(hass, "DEV-3", pk="pTest2"))

    response = await invite(hass, {"device_id": ids})

    assert [made["device_id"] for made in response["invites"]] == ids
    codes = {made["share_code"] for made in response["invites"]}
    assert len(codes) == 3
    in_cloud = {
        share.share_code
        for dk, pk in (("DEV-1", "pTest"), ("DEV-2", "pTest"), ("DEV-3", "pTest2"))
        for share in invitations(simulator, dk, pk)
    }
    assert in_cloud == codes
    assert len(share_info_requests(simulator)) == 3


async def test_an_invitation_beside_a_share_leaves_the_share_alone(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.add_share("pTest", "DEV-1", "U3", share_code="GUEST")
    simulator.add_invitation(
        "pTest", "DEV-1", accept_by_ms=IN_24_HOURS_MS, share_code="EARLIER"
    )

    await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    assert simulator.share("GUEST").status == ShareStatus.ACTIVE
    assert simulator.share("EARLIER").status == ShareStatus.PENDING
    assert len(invitations(simulator, "DEV-1")) == 2


# --- refused before any request -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"accept_by": "2030-06-01T09:59:00+00:00"}, "accept_deadline_in_past"),
        (
            {"accept_by": ACCEPT_BY, "accept_within": "01:00:00"},
            "accept_deadline_ambiguous",
        ),
        ({"accept_within": 0}, "duration_not_positive"),
        ({"accept_by": "9999-12-31T23:59:59.999+00:00"}, "expiry_too_late"),
        ({"accept_within": {"days": 3_000_000}}, "expiry_too_late"),
        (
            {"accept_by": ACCEPT_BY, "expires_at": ACCEPT_BY},
            "invite_ends_before_deadline",
        ),
        ({"duration": {"hours": 2}}, "invite_ends_before_deadline"),
        ({"expires_at": EXPIRES_AT, "duration": "01:00:00"}, "expiry_ambiguous"),
        ({"expires_at": "2030-06-01T09:00:00+00:00"}, "expiry_in_past"),
        ({"accept_by": "soon"}, "invalid_datetime"),
        ({"email": "guest@example.test"}, "unknown_field"),
        ({"mode": "add"}, "unknown_field"),
        ({"starts_at": ACCEPT_BY}, "unknown_field"),
    ],
)
async def test_invalid_input_is_refused_before_any_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    simulator.clear_requests()

    with pytest.raises(ServiceValidationError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-1"), **data})

    assert err.value.translation_key == key
    assert simulator.requests == []


async def test_a_device_shared_with_the_account_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.clear_requests()

    with pytest.raises(ServiceValidationError) as err:
        await invite(hass, {"product_key": "pOther", "device_key": "OTHER-1"})

    assert err.value.translation_key == "device_received"
    assert simulator.requests == []


async def test_non_admin_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_read_only_user: User,
) -> None:
    simulator.clear_requests()

    with pytest.raises(Unauthorized):
        await invite(
            hass,
            {"device_id": device_id(hass, "DEV-1")},
            Context(user_id=hass_read_only_user.id),
        )

    assert simulator.requests == []


async def test_refused_at_once_while_the_quota_is_used_up(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.ERROR_CODE, code=4026, endpoint=Endpoint.SHARE_INFO)
    with pytest.raises(ServiceValidationError):
        await invite(hass, {"device_id": device_id(hass, "DEV-1")})
    simulator.clear_requests()

    with pytest.raises(ServiceValidationError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-2")})

    assert err.value.translation_key == "quota_exhausted"
    assert simulator.requests == []


# --- failures ----------------------------------------------------------------------


async def test_partial_failure_names_failed_and_succeeded_devices(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    ids = [device_id(hass, "DEV-1"), device_id(hass, "DEV-U")]

    with pytest.raises(ServiceValidationError) as err:
        await invite(hass, {"device_id": ids})

    assert err.value.translation_key == "partial_failure"
    placeholders = err.value.translation_placeholders
    assert placeholders["failed_count"] == "1"
    assert placeholders["failed"].startswith("Unverified device: ")
    assert placeholders["succeeded"] == "Device 1"
    assert len(invitations(simulator, "DEV-1")) == 1
    assert invitations(simulator, "DEV-U") == []


async def test_one_device_refused_raises_its_own_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-U")})

    assert err.value.translation_key == "device_unverified"


# --- a lost answer is checked, never resent ----------------------------------------


async def test_a_lost_answer_to_a_code_that_was_made_adopts_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_INFO, times=1)

    response = await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    [made] = invitations(simulator, "DEV-1")
    assert response["invites"][0]["share_code"] == made.share_code
    assert response["invites"][0]["accept_by"] == "2030-06-02T10:00:00+00:00"
    assert len(share_info_requests(simulator)) == 1


async def test_an_invitation_held_before_is_not_taken_for_the_one_made(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    # Same deadline and end, but read before the request: not the new one.
    simulator.add_invitation(
        "pTest", "DEV-1", accept_by_ms=IN_24_HOURS_MS, share_code="OTHER"
    )
    await init_integration.runtime_data.shares.async_read_device("pTest_DEV-1")
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_INFO, times=1)

    response = await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    [made] = [s for s in invitations(simulator, "DEV-1") if s.share_code != "OTHER"]
    assert response["invites"][0]["share_code"] == made.share_code
    assert len(share_info_requests(simulator)) == 1


async def test_an_invitation_made_before_the_request_is_not_taken_for_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    frozen: FrozenDateTimeFactory,
) -> None:
    # Never read by Home Assistant, but made an hour before: not the new one.
    frozen.move_to("2030-06-01T09:00:00+00:00")
    simulator.add_invitation(
        "pTest", "DEV-1", accept_by_ms=IN_24_HOURS_MS, share_code="OTHER"
    )
    frozen.move_to("2030-06-01T10:00:00+00:00")
    simulator.inject(Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_INFO, times=1)

    with pytest.raises(HomeAssistantError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    assert err.value.translation_key == "not_done"
    assert [s.share_code for s in invitations(simulator, "DEV-1")] == ["OTHER"]


def cloud_keeps(
    simulator: Simulator, *, accept_by_ms: int, expire_at_ms: int | None
) -> None:
    """Make a cloud that keeps a shareInfo's times as given (e.g. rounded).

    The request itself is lost unexecuted (DROP_CONNECTION): what it made is
    the invitation added as it arrives, with these times.
    """

    def made(request: LoggedRequest) -> None:
        if request.path == Endpoint.SHARE_INFO.value:
            simulator.add_invitation(
                "pTest",
                "DEV-1",
                accept_by_ms=accept_by_ms,
                expire_at_ms=expire_at_ms,
                share_code="MADE",
            )

    simulator.on_request(made)
    simulator.inject(Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_INFO, times=1)


# Sent with milliseconds: 12:00:29.400 and 10:00:41.700.
SENT = {
    "device_id": None,
    "accept_by": "2030-06-01T12:00:29.400+00:00",
    "expires_at": "2030-06-08T10:00:41.700+00:00",
}


@pytest.mark.parametrize(
    ("accept_by_ms", "expire_at_ms", "accept_by", "expires_at"),
    [
        pytest.param(
            ACCEPT_BY_MS + 29_000,
            EXPIRES_AT_MS + 41_000,
            "2030-06-01T12:00:29+00:00",
            "2030-06-08T10:00:41+00:00",
            id="second-down",
        ),
        pytest.param(
            ACCEPT_BY_MS + 30_000,
            EXPIRES_AT_MS + 42_000,
            "2030-06-01T12:00:30+00:00",
            "2030-06-08T10:00:42+00:00",
            id="second-up",
        ),
        pytest.param(
            ACCEPT_BY_MS,
            EXPIRES_AT_MS,
            "2030-06-01T12:00:00+00:00",
            "2030-06-08T10:00:00+00:00",
            id="minute-down",
        ),
        pytest.param(
            ACCEPT_BY_MS + 60_000,
            EXPIRES_AT_MS + 60_000,
            "2030-06-01T12:01:00+00:00",
            "2030-06-08T10:01:00+00:00",
            id="minute-up",
        ),
    ],
)
async def test_a_lost_answer_adopts_the_code_whatever_the_cloud_rounds_to(  # noqa: PLR0917
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    accept_by_ms: int,
    expire_at_ms: int,
    accept_by: str,
    expires_at: str,
) -> None:
    cloud_keeps(simulator, accept_by_ms=accept_by_ms, expire_at_ms=expire_at_ms)

    response = await invite(hass, {**SENT, "device_id": device_id(hass, "DEV-1")})

    [made] = response["invites"]
    # Reported as the cloud keeps them.
    assert (made["share_code"], made["accept_by"], made["expires_at"]) == (
        "MADE",
        accept_by,
        expires_at,
    )
    assert len(share_info_requests(simulator)) == 1


@pytest.mark.parametrize(
    ("accept_by_ms", "expire_at_ms"),
    [
        pytest.param(ACCEPT_BY_MS + 3_600_000, EXPIRES_AT_MS, id="other-deadline"),
        pytest.param(ACCEPT_BY_MS, EXPIRES_AT_MS + 86_400_000, id="other-end"),
        pytest.param(ACCEPT_BY_MS, None, id="for-life"),
    ],
)
async def test_a_new_invitation_with_other_times_is_unknown_not_not_done(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    accept_by_ms: int,
    expire_at_ms: int | None,
) -> None:
    # Ours not made, or made with times kept in a way not foreseen: either
    # way a second try could leave a code nobody knows of.
    cloud_keeps(simulator, accept_by_ms=accept_by_ms, expire_at_ms=expire_at_ms)

    with pytest.raises(HomeAssistantError) as err:
        await invite(hass, {**SENT, "device_id": device_id(hass, "DEV-1")})

    assert err.value.translation_key == "invite_unclear"
    assert len(share_info_requests(simulator)) == 1


async def test_two_new_invitations_are_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    # One made in the app while ours was made too (DROP_AFTER_EXECUTE), both
    # with the same times: which one is ours cannot be told.
    cloud_keeps(simulator, accept_by_ms=IN_24_HOURS_MS, expire_at_ms=None)
    simulator.clear_faults()
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_INFO, times=1)

    with pytest.raises(HomeAssistantError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    assert err.value.translation_key == "invite_unclear"
    assert len(invitations(simulator, "DEV-1")) == 2
    assert len(share_info_requests(simulator)) == 1


async def test_a_lost_answer_to_a_code_that_was_not_made_says_so(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_INFO, times=1)

    with pytest.raises(HomeAssistantError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    assert err.value.translation_key == "not_done"
    assert invitations(simulator, "DEV-1") == []
    assert len(share_info_requests(simulator)) == 1


async def test_a_lost_answer_that_cannot_be_checked_is_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_INFO, times=1)
    simulator.inject(Fault.HTTP_503, endpoint=Endpoint.SHARE_USER_LIST)

    with pytest.raises(HomeAssistantError) as err:
        await invite(hass, {"device_id": device_id(hass, "DEV-1")})

    assert err.value.translation_key == "outcome_unknown"
    assert len(share_info_requests(simulator)) == 1
