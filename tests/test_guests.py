"""Guests: the cloud follows each guest's wish, with the fewest requests.

Against the simulator over real HTTP; time moves with the freezer only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import User
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import Unauthorized
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.quectel_iot.api import ShareStatus
from custom_components.quectel_iot.const import DOMAIN
from simulator import Simulator

from .conftest import GUEST_EMAIL, GUEST_UID, advance, registry_device
from .guest_helpers import (
    NOW,
    NOW_MS,
    SET_TIME,
    SHARE,
    UNSHARE,
    add_guest,
    change_requests,
    device_id,
    edit_guest,
    guest_entity_id,
    guest_shares,
    local,
    only_guest,
)

# A fixed "now", so that states and requests can be written out in full.


def _first(
    hass: HomeAssistant, entry: MockConfigEntry, access: str, *dks: str
) -> dict[str, Any]:
    keys = {"DEV-1": "pTest", "DEV-2": "pTest", "DEV-3": "pTest2", "DEV-U": "pTest"}
    return {
        "name": "Cleaner",
        "recipient": {"email": GUEST_EMAIL},
        "devices": [device_id(hass, entry, dk, keys[dk]) for dk in dks],
        "access": access,
    }


async def _add_window_guest(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    start: timedelta,
    end: timedelta,
    *dks: str,
) -> str:
    result = await add_guest(
        hass,
        entry,
        _first(hass, entry, "window", *dks),
        {"starts_at": local(NOW + start), "ends_at": local(NOW + end)},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    return only_guest(entry).subentry_id


# --- scheduled starts ------------------------------------------------------------


async def test_a_future_start_sends_nothing_until_the_start(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    simulator.clear_requests()
    subentry_id = await _add_window_guest(
        hass,
        init_integration,
        timedelta(minutes=1),
        timedelta(hours=3),
        "DEV-1",
        "DEV-3",
    )
    access = guest_entity_id(hass, "sensor", subentry_id, "access")

    assert change_requests(simulator) == []
    assert hass.states.get(access).state == "scheduled"

    await advance(hass, now, timedelta(seconds=59))
    assert change_requests(simulator) == []

    await advance(hass, now, timedelta(seconds=1))
    assert [path for path, _ in change_requests(simulator)] == [SHARE, SHARE]
    end_ms = NOW_MS + 3 * 3600 * 1000
    assert guest_shares(simulator) == {
        ("pTest", "DEV-1", end_ms),
        ("pTest2", "DEV-3", end_ms),
    }
    assert hass.states.get(access).state == "active"


async def test_a_restart_before_the_start_still_shares_on_time(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    await _add_window_guest(
        hass, entry, timedelta(minutes=10), timedelta(hours=3), "DEV-1"
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, now, timedelta(minutes=1))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    simulator.clear_requests()

    await advance(hass, now, timedelta(minutes=8, seconds=59))
    assert change_requests(simulator) == []
    await advance(hass, now, timedelta(seconds=1))

    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", NOW_MS + 3 * 3600 * 1000)}


async def test_a_start_passed_while_unloaded_shares_at_setup(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    await _add_window_guest(
        hass, entry, timedelta(minutes=10), timedelta(hours=3), "DEV-1"
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, now, timedelta(minutes=30))
    simulator.clear_requests()

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", NOW_MS + 3 * 3600 * 1000)}


async def test_an_end_costs_no_request_and_shows_ended(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await _add_window_guest(
        hass, init_integration, timedelta(0), timedelta(hours=1), "DEV-1"
    )
    access = guest_entity_id(hass, "sensor", subentry_id, "access")
    assert hass.states.get(access).state == "active"
    simulator.clear_requests()

    await advance(hass, now, timedelta(hours=1))

    assert change_requests(simulator) == []
    assert hass.states.get(access).state == "ended"


# --- editing and deleting ------------------------------------------------------------


async def test_edit_drop_a_device_and_move_the_end(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1", "DEV-3"
    )
    codes = {
        (s.pk, s.dk): s.share_code
        for s in simulator.active_shares()
        if s.share_uid == GUEST_UID
    }
    simulator.clear_requests()

    result = await edit_guest(
        hass,
        entry,
        subentry_id,
        _first(hass, entry, "until", "DEV-1"),
        {"ends_at": local(NOW + timedelta(hours=5))},
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    requests = change_requests(simulator)
    assert sorted(path for path, _ in requests) == sorted([UNSHARE, SET_TIME])
    [unshare] = [query for path, query in requests if path == UNSHARE]
    [set_time] = [query for path, query in requests if path == SET_TIME]
    assert unshare["shareCode"] == codes[("pTest2", "DEV-3")]
    assert set_time["shareCode"] == codes[("pTest", "DEV-1")]
    assert guest_shares(simulator) == {("pTest", "DEV-1", NOW_MS + 5 * 3600 * 1000)}


async def test_edit_that_changes_nothing_sends_nothing(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1"
    )
    simulator.clear_requests()

    await edit_guest(
        hass,
        entry,
        subentry_id,
        {**_first(hass, entry, "until", "DEV-1"), "name": "Window cleaner"},
        {"ends_at": local(NOW + timedelta(hours=3))},
    )

    assert change_requests(simulator) == []
    device = registry_device(hass, f"guest {subentry_id}")
    assert device is not None
    assert device.name == "Window cleaner"


async def test_delete_the_guest_revokes_its_shares_only(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    # A share the owner made in the app for the same person stays.
    app_share = simulator.add_share("pTest", "DEV-1", GUEST_UID, share_code="APP-SHARE")
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1", "DEV-3"
    )
    assert len(guest_shares(simulator)) == 3
    simulator.clear_requests()

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [path for path, _ in change_requests(simulator)] == [UNSHARE, UNSHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", None)}
    assert app_share.status == ShareStatus.ACTIVE
    assert (
        er.async_get(hass).async_get_entity_id(
            "sensor", DOMAIN, f"guest {subentry_id} access"
        )
        is None
    )


# --- buttons -------------------------------------------------------------------------


async def test_revoke_access_button(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_admin_user: User,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1", "DEV-3"
    )
    events = async_capture_events(hass, "quectel_iot_share_revoked")
    simulator.clear_requests()

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": guest_entity_id(hass, "button", subentry_id, "revoke")},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [path for path, _ in change_requests(simulator)] == [UNSHARE, UNSHARE]
    assert guest_shares(simulator) == set()
    assert (
        hass.states.get(guest_entity_id(hass, "sensor", subentry_id, "access")).state
        == "revoked"
    )
    assert len(events) == 2
    assert {event.data["guest"] for event in events} == {"Cleaner"}
    assert "@" not in repr([event.data for event in events])


async def test_extend_button_moves_the_end_by_one_day(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1", "DEV-3"
    )
    simulator.clear_requests()

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": guest_entity_id(hass, "button", subentry_id, "extend")},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [path for path, _ in change_requests(simulator)] == [SET_TIME, SET_TIME]
    end_ms = NOW_MS + 27 * 3600 * 1000
    assert guest_shares(simulator) == {
        ("pTest", "DEV-1", end_ms),
        ("pTest2", "DEV-3", end_ms),
    }
    ends = hass.states.get(guest_entity_id(hass, "sensor", subentry_id, "ends"))
    assert ends.state == "2030-06-02T13:00:00+00:00"


@pytest.mark.usefixtures("now")
@pytest.mark.parametrize("key", ["revoke", "extend"])
async def test_buttons_refuse_non_admins(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_read_only_user: User,
    key: str,
) -> None:
    subentry_id = await _add_window_guest(
        hass, init_integration, timedelta(0), timedelta(hours=3), "DEV-1"
    )
    simulator.clear_requests()

    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": guest_entity_id(hass, "button", subentry_id, key)},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert change_requests(simulator) == []
    assert guest_shares(simulator) == {("pTest", "DEV-1", NOW_MS + 3 * 3600 * 1000)}


# --- what the entities show ---------------------------------------------------


async def test_entities_of_a_guest(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1", "DEV-3"
    )
    registry = er.async_get(hass)
    entity_ids = sorted(
        e.entity_id
        for e in registry.entities.values()
        if e.config_subentry_id == subentry_id
    )

    # Named after the guest, never after their contact details.
    assert entity_ids == [
        "button.cleaner_extend_by_one_day",
        "button.cleaner_revoke_access",
        "sensor.cleaner_access",
        "sensor.cleaner_access_ends",
        "sensor.cleaner_access_starts",
    ]
    device = registry_device(hass, f"guest {subentry_id}")
    assert device is not None
    assert device.name == "Cleaner"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    access = hass.states.get("sensor.cleaner_access")
    assert access.state == "active"
    assert access.attributes["options"] == [
        "scheduled",
        "pending",
        "active",
        "ended",
        "revoked",
        "no_booking",
    ]
    assert access.attributes["devices"] == [
        {
            "name": "Device 1",
            "access": "active",
            "ends_at": "2030-06-01T13:00:00+00:00",
        },
        {
            "name": "Device 3",
            "access": "active",
            "ends_at": "2030-06-01T13:00:00+00:00",
        },
    ]
    assert access.attributes["starts_at"] is None
    assert access.attributes["ends_at"] == "2030-06-01T13:00:00+00:00"
    assert access.attributes["recipient_type"] == "email"
    assert "@" not in repr(dict(access.attributes))
    assert "calendar" not in access.attributes
    assert (
        hass.states.get("sensor.cleaner_access_ends").state
        == "2030-06-01T13:00:00+00:00"
    )
    # Started on saving: no start to show.
    assert hass.states.get("sensor.cleaner_access_starts").state == "unknown"


async def test_a_revoke_in_the_app_shows_at_the_next_read_and_is_not_undone(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1"
    )
    [share] = [s for s in simulator.active_shares() if s.share_uid == GUEST_UID]
    share.status = ShareStatus.CANCELLED  # revoked in the app
    simulator.clear_requests()

    [unique_id] = [
        d.unique_id
        for d in entry.runtime_data.devices.data.values()
        if d.device_key == "DEV-1"
    ]
    await entry.runtime_data.shares.async_refresh_devices([unique_id])
    await hass.async_block_till_done(wait_background_tasks=True)

    assert hass.states.get("sensor.cleaner_access").state == "revoked"
    assert change_requests(simulator) == []
    # Not even an edit of the end brings it back.
    await edit_guest(
        hass,
        entry,
        subentry_id,
        _first(hass, entry, "until", "DEV-1"),
        {"ends_at": local(NOW + timedelta(hours=5))},
    )
    assert change_requests(simulator) == []
    assert guest_shares(simulator) == set()


# --- failures -----------------------------------------------------------------


async def test_a_failure_on_one_device_raises_a_repair_that_retries(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    subentry_id = await _add_window_guest(
        hass, entry, timedelta(0), timedelta(hours=3), "DEV-1", "DEV-U"
    )
    issue_id = f"guest_failed_{subentry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "guest_failed"
    assert issue.translation_placeholders["guest"] == "Cleaner"
    devices = issue.translation_placeholders["devices"]
    assert devices.startswith("Unverified device: ")
    assert "verif" in devices
    assert "DEV-1" not in devices
    assert "Device 1" not in devices
    assert guest_shares(simulator) == {("pTest", "DEV-1", NOW_MS + 3 * 3600 * 1000)}
    assert hass.states.get("sensor.cleaner_access").attributes["devices"][1] == {
        "name": "Unverified device",
        "access": "pending",
        "ends_at": "2030-06-01T13:00:00+00:00",
    }

    # The fix flow tries again: still refused, the issue stays.
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    flows = hass.data[REPAIRS_DOMAIN]["flow_manager"]
    simulator.clear_requests()
    result = await flows.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"]["guest"] == "Cleaner"
    result = await flows.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "still_failing"}
    assert [path for path, _ in change_requests(simulator)] == [SHARE]

    # Verified in the app: the retry shares that device only, once.
    simulator.devices[("pTest", "DEV-U")].verified = True
    simulator.clear_requests()
    result = await flows.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    [(path, query)] = change_requests(simulator)
    assert (path, query["dk"]) == (SHARE, "DEV-U")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert guest_shares(simulator) == {
        ("pTest", "DEV-1", NOW_MS + 3 * 3600 * 1000),
        ("pTest", "DEV-U", NOW_MS + 3 * 3600 * 1000),
    }
    assert (
        hass.states.get("sensor.cleaner_access").attributes["devices"][1]["access"]
        == "active"
    )


async def test_unload_keeps_the_guest(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    await _add_window_guest(hass, entry, timedelta(0), timedelta(hours=3), "DEV-1")
    simulator.clear_requests()

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.state is ConfigEntryState.LOADED
    assert change_requests(simulator) == []
    assert hass.states.get("sensor.cleaner_access").state == "active"
