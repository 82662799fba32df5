"""Invitations by share code, the owner's side: the QR image of each open one,
what the Shares sensor and list_shares show, and the event when one is accepted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import json
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import segno

from custom_components.quectel_iot.api import Recipient
from custom_components.quectel_iot.api.const import Endpoint, ShareStatus
from custom_components.quectel_iot.const import (
    DOMAIN,
    EVENT_INVITE_ACCEPTED,
    EVENT_SHARE_REVOKED,
)
from simulator import Fault, Simulator

from .conftest import GUEST_UID, advance
from .share_helpers import call, device_id, shares_state

NOW_MS = 1906538400000  # 2030-06-01T10:00:00Z, the `now` fixture's moment
HOUR_MS = 3_600_000


@pytest.fixture(autouse=True)
def frozen(now: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Every test at the guest tests' NOW, so that deadlines are exact."""
    return now


def invitation_images(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The entity ids of the account's invitation images, in the registry."""
    return [
        registered.entity_id
        for registered in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if registered.domain == "image"
    ]


async def create_invite(hass: HomeAssistant, **data: Any) -> str:
    """Invite to DEV-1; return the share code."""
    response = await call(
        hass, "create_invite", {"device_id": device_id(hass, "DEV-1"), **data}
    )
    [made] = response["invites"]
    return str(made["share_code"])


async def read_dev1(hass: HomeAssistant) -> dict[str, Any]:
    """Read DEV-1's share list now (as a poll would), every share included."""
    response = await call(
        hass,
        "list_shares",
        {"device_id": device_id(hass, "DEV-1"), "include_inactive": True},
    )
    await hass.async_block_till_done()
    return {share["share_code"]: share for share in response["devices"][0]["shares"]}


def drawn_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules the picture draws, without its quiet zone of 4."""
    return {
        (int(x) - 4, int(y) - 4) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg)
    }


# --- the image -----------------------------------------------------------------------


async def test_a_new_invitation_shows_its_qr_code_on_its_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_client: ClientSessionGenerator,
) -> None:
    code = await create_invite(hass, duration={"days": 7})
    await hass.async_block_till_done()

    [entity_id] = invitation_images(hass, init_integration)
    registered = er.async_get(hass).async_get(entity_id)
    assert registered is not None
    assert registered.device_id == device_id(hass, "DEV-1")
    assert code not in registered.unique_id
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.name == "Device 1 Invitation"
    assert state.attributes["accept_by"] == "2030-06-02T10:00:00+00:00"
    assert state.attributes["expires_at"] == "2030-06-08T10:00:00+00:00"
    assert code not in json.dumps(dict(state.attributes))

    client = await hass_client()
    answer = await client.get(f"/api/image_proxy/{entity_id}")
    assert answer.status == 200
    assert answer.content_type == "image/svg+xml"
    svg = (await answer.read()).decode()
    expected = segno.make_qr(code, error="m").matrix
    assert drawn_modules(svg) == {
        (x, y) for y, row in enumerate(expected) for x, dark in enumerate(row) if dark
    }
    assert f">{code}</text>" in svg
    # The deadline in the user's time zone (the tests' is US/Pacific).
    assert ">Accept by 2030-06-02 03:00 PDT</text>" in svg


async def test_an_invitation_made_in_the_app_shows_too(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.add_invitation(
        "pTest", "DEV-2", accept_by_ms=NOW_MS + HOUR_MS, share_code="FROM-APP"
    )
    simulator.add_invitation(
        "pTest", "DEV-2", accept_by_ms=NOW_MS - HOUR_MS, share_code="TOO-LATE"
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    [entity_id] = invitation_images(hass, config_entry)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["accept_by"] == "2030-06-01T11:00:00+00:00"
    assert state.attributes["expires_at"] is None


async def test_the_image_goes_when_the_invitation_is_accepted(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    code = await create_invite(hass)
    [entity_id] = invitation_images(hass, init_integration)

    simulator.accept_invitation(code, GUEST_UID)
    await read_dev1(hass)

    assert invitation_images(hass, init_integration) == []
    assert hass.states.get(entity_id) is None


async def test_the_image_goes_when_the_invitation_is_withdrawn_by_its_code(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    code = await create_invite(hass)
    revoked = async_capture_events(hass, EVENT_SHARE_REVOKED)

    response = await call(hass, "unshare_device", {"share_code": code})
    await hass.async_block_till_done()

    assert [item["share_code"] for item in response["revoked"]] == [code]
    assert simulator.share(code).status == ShareStatus.CANCELLED
    assert [event.data["share_code"] for event in revoked] == [code]
    assert invitation_images(hass, init_integration) == []


async def test_a_withdrawal_whose_answer_was_lost_is_a_success(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    code = await create_invite(hass)
    # The cloud withdraws it, the answer is lost, the DELETE is sent again
    # and answered 5142 (already over).
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.OWNER_UNSHARE, times=1)

    response = await call(hass, "unshare_device", {"share_code": code})
    await hass.async_block_till_done()

    assert [item["share_code"] for item in response["revoked"]] == [code]
    assert simulator.share(code).status == ShareStatus.CANCELLED
    assert invitation_images(hass, init_integration) == []


async def test_a_withdrawal_lost_before_the_cloud_acted_is_not_done(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    code = await create_invite(hass)
    # The answer is lost and the cloud did nothing: the check read still
    # shows the invitation open, so its code still works.
    simulator.inject(Fault.HTTP_502, endpoint=Endpoint.OWNER_UNSHARE, times=1)

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "unshare_device", {"share_code": code})
    await hass.async_block_till_done()

    assert raised.value.translation_key == "not_done"
    assert simulator.share(code).status == ShareStatus.PENDING
    assert len(invitation_images(hass, init_integration)) == 1


async def test_the_image_goes_at_the_deadline_without_a_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    now: FrozenDateTimeFactory,
) -> None:
    await create_invite(hass, accept_within={"minutes": 10})
    # No read can tell: the deadline alone removes it.
    simulator.inject(Fault.HTTP_503, endpoint=Endpoint.SHARE_USER_LIST)

    await advance(hass, now, timedelta(minutes=9, seconds=59))
    assert len(invitation_images(hass, init_integration)) == 1

    await advance(hass, now, timedelta(seconds=1))
    assert invitation_images(hass, init_integration) == []


# --- what the sensor and list_shares show --------------------------------------------


async def test_open_accepted_and_expired_invitations(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    for code, accept_by_ms in (
        ("OPEN", NOW_MS + HOUR_MS),
        ("ACCEPTED", NOW_MS + HOUR_MS),
        ("TOO-LATE", NOW_MS - HOUR_MS),
    ):
        simulator.add_invitation(
            "pTest", "DEV-1", accept_by_ms=accept_by_ms, share_code=code
        )
    simulator.accept_invitation("ACCEPTED", GUEST_UID)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    listed = await call(hass, "list_shares", {"device_id": device_id(hass, "DEV-1")})
    everything = await read_dev1(hass)

    shown = {s["share_code"]: s["status"] for s in listed["devices"][0]["shares"]}
    assert shown == {"OPEN": "pending", "ACCEPTED": "active"}
    assert {code: s["status"] for code, s in everything.items()} == {
        "OPEN": "pending",
        "ACCEPTED": "active",
        "TOO-LATE": "expired",
    }
    assert everything["OPEN"]["accept_by"] == "2030-06-01T11:00:00+00:00"
    assert everything["OPEN"]["recipient"]["uid"] is None
    assert everything["ACCEPTED"]["recipient"]["uid"] == GUEST_UID
    assert everything["ACCEPTED"]["accepted_at"] == "2030-06-01T10:00:00+00:00"
    # Only the accepted one is a share in force.
    state = shares_state(hass, "DEV-1")
    assert state.state == "1"
    assert [r["share_code"] for r in state.attributes["recipients"]] == ["ACCEPTED"]


async def test_an_accepted_invitation_counts_once_accepted(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    code = await create_invite(hass)
    await hass.async_block_till_done()
    assert shares_state(hass, "DEV-1").state == "0"

    simulator.accept_invitation(code, GUEST_UID)
    await read_dev1(hass)

    state = shares_state(hass, "DEV-1")
    assert state.state == "1"
    assert state.attributes["recipients"][0]["uid"] == GUEST_UID


# --- the event ------------------------------------------------------------------------


async def test_acceptance_is_announced_once_without_contact_details(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    accepted = async_capture_events(hass, EVENT_INVITE_ACCEPTED)
    code = await create_invite(hass, duration={"days": 7})
    await read_dev1(hass)
    assert accepted == []

    simulator.accept_invitation(code, GUEST_UID)
    await read_dev1(hass)
    await read_dev1(hass)

    assert [event.data for event in accepted] == [
        {
            "device_id": device_id(hass, "DEV-1"),
            "product_key": "pTest",
            "device_key": "DEV-1",
            "share_code": code,
            "accepted_at": "2030-06-01T10:00:00+00:00",
            "expires_at": "2030-06-08T10:00:00+00:00",
        }
    ]
    assert "@" not in repr(accepted[0].data)
    assert GUEST_UID not in repr(accepted[0].data)


async def test_a_recipient_named_without_an_accept_time_is_an_acceptance(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Should the cloud name the recipient but leave acceptTime out."""
    accepted = async_capture_events(hass, EVENT_INVITE_ACCEPTED)
    code = await create_invite(hass)
    await read_dev1(hass)
    shares = init_integration.runtime_data.shares
    listed = shares.shares_of("pTest_DEV-1") or []
    [invitation] = [share for share in listed if share.share_code == code]

    taken = replace(
        invitation,
        status=ShareStatus.ACTIVE,
        recipient=Recipient(uid=GUEST_UID, email=None, phone=None, nickname=None),
    )
    shares.async_apply(
        "pTest_DEV-1", [s for s in listed if s.share_code != code] + [taken]
    )
    await hass.async_block_till_done()

    assert [event.data["share_code"] for event in accepted] == [code]
    assert accepted[0].data["accepted_at"] is None
    assert invitation_images(hass, init_integration) == []


async def test_accepted_while_stopped_is_announced_once_after_the_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    accepted = async_capture_events(hass, EVENT_INVITE_ACCEPTED)
    code = await create_invite(hass)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    simulator.accept_invitation(code, GUEST_UID)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert [event.data["share_code"] for event in accepted] == [code]

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert [event.data["share_code"] for event in accepted] == [code]


async def test_no_event_for_an_invitation_never_seen_open(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Made and accepted in the app between two reads: nothing to announce."""
    simulator.add_invitation(
        "pTest", "DEV-1", accept_by_ms=NOW_MS + HOUR_MS, share_code="APP"
    )
    simulator.accept_invitation("APP", GUEST_UID)
    accepted = async_capture_events(hass, EVENT_INVITE_ACCEPTED)

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await read_dev1(hass)

    assert accepted == []


async def test_no_event_for_an_invitation_withdrawn_or_expired(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    now: FrozenDateTimeFactory,
) -> None:
    accepted = async_capture_events(hass, EVENT_INVITE_ACCEPTED)
    withdrawn = await create_invite(hass)
    await create_invite(hass, accept_within={"minutes": 10})
    await call(hass, "unshare_device", {"share_code": withdrawn})

    await advance(hass, now, timedelta(minutes=11))
    await read_dev1(hass)

    assert accepted == []


async def test_removing_the_account_forgets_its_invitations(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await create_invite(hass)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{init_integration.entry_id}.invitations"
    assert list(hass_storage[key]["data"]["open"]) != []

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert key not in hass_storage


async def test_unreadable_stored_invitations_are_ignored(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = f"{DOMAIN}.{config_entry.entry_id}.invitations"
    hass_storage[key] = {"version": 1, "key": key, "data": {"open": {"X": 1}}}

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert "Ignoring unreadable stored invitations" in caplog.text
