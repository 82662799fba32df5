"""A guest's access that follows a calendar (Home Assistant's local calendar).

Bookings are made, moved and deleted in a real local calendar; the guest's
shares are checked in the simulator (their end there) and in its request
log. Home Assistant's zone is US/Pacific (UTC-7 in June); times are in UTC.
"""

# ical must be imported before the clock is frozen (its pydantic models
# subclass ``date``, which freezegun replaces).
import homeassistant.components.local_calendar  # isort: skip
import homeassistant.components.local_calendar.calendar  # noqa: F401  # isort: skip

from collections.abc import Iterator
from datetime import date, timedelta
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.calendar import CalendarEntity
from homeassistant.components.calendar.const import DATA_COMPONENT
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.guests import guest_manager
from simulator import Fault, Simulator

from .conftest import GUEST_EMAIL, GUEST_UID, advance
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

CALENDAR = "calendar.rentals"
H = timedelta(hours=1)
M = timedelta(minutes=1)


def ms(offset: timedelta) -> int:
    """NOW + ``offset`` in epoch milliseconds, as the cloud keeps an end."""
    return NOW_MS + int(offset.total_seconds()) * 1000


def utc_text(offset: timedelta) -> str:
    """NOW + ``offset`` as a timestamp sensor shows it."""
    return (NOW + offset).isoformat()


# --- the local calendar, its file kept in memory ------------------------------


@pytest.fixture
def calendar_files() -> dict[str, str]:
    """The local calendars' .ics files (they outlive a reload, as on disk)."""
    return {}


@pytest.fixture
def memory_calendar_store(calendar_files: dict[str, str]) -> Iterator[None]:
    """Keep the local calendar's .ics file in memory, not in the config dir."""

    class MemoryStore:
        def __init__(self, hass: HomeAssistant, path: Path) -> None:
            self.path = str(path)

        async def async_load(self) -> str:
            return calendar_files.get(self.path, "")

        async def async_store(self, ics_content: str) -> None:
            calendar_files[self.path] = ics_content

    with patch(
        "homeassistant.components.local_calendar.LocalCalendarStore", MemoryStore
    ):
        yield


@pytest.fixture
def rentals(hass: HomeAssistant, memory_calendar_store: None) -> MockConfigEntry:
    """The local calendar "Rentals" (calendar.rentals), not yet set up."""
    entry = MockConfigEntry(domain="local_calendar", data={"calendar_name": "Rentals"})
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def account(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    rentals: MockConfigEntry,
) -> MockConfigEntry:
    """The owner's account, then the calendar, both set up."""
    assert await hass.config_entries.async_setup(rentals.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(CALENDAR) is not None
    return init_integration


def calendar_entity(hass: HomeAssistant) -> CalendarEntity:
    entity = hass.data[DATA_COMPONENT].get_entity(CALENDAR)
    assert entity is not None
    return entity


async def book(
    hass: HomeAssistant,
    summary: str,
    start: timedelta | date,
    end: timedelta | date,
    description: str = "",
) -> None:
    """Add an event (``timedelta``: NOW + it; ``date``: an all-day event)."""
    data: dict[str, Any] = {"summary": summary, "description": description}
    if isinstance(start, date) and isinstance(end, date):
        data |= {"start_date": start, "end_date": end}
    else:
        assert isinstance(start, timedelta)
        assert isinstance(end, timedelta)
        data |= {"start_date_time": NOW + start, "end_date_time": NOW + end}
    await hass.services.async_call(
        "calendar", "create_event", data, target={"entity_id": CALENDAR}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def uid_of(hass: HomeAssistant, summary: str) -> str:
    events = await calendar_entity(hass).async_get_events(
        hass, NOW - 30 * 24 * H, NOW + 400 * 24 * H
    )
    [uid] = [event.uid for event in events if event.summary == summary]
    assert uid is not None
    return uid


async def move(
    hass: HomeAssistant, summary: str, start: timedelta, end: timedelta
) -> None:
    """Move an event to NOW + ``start`` … NOW + ``end``."""
    uid = await uid_of(hass, summary)
    await calendar_entity(hass).async_update_event(
        uid, {"summary": summary, "dtstart": NOW + start, "dtend": NOW + end}
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def delete(hass: HomeAssistant, summary: str) -> None:
    uid = await uid_of(hass, summary)
    await calendar_entity(hass).async_delete_event(uid)
    await hass.async_block_till_done(wait_background_tasks=True)


# --- the guest ---------------------------------------------------------------------


def first(
    hass: HomeAssistant, entry: MockConfigEntry, *dks: str, access: str = "calendar"
) -> dict[str, Any]:
    keys = {"DEV-1": "pTest", "DEV-3": "pTest2"}
    return {
        "name": "Anna",
        "recipient": {"email": GUEST_EMAIL},
        "devices": [device_id(hass, entry, dk, keys[dk]) for dk in dks or ("DEV-1",)],
        "access": access,
    }


def calendar_form(
    match: str = "anna",
    before: timedelta = timedelta(0),
    after: timedelta = timedelta(0),
) -> dict[str, Any]:
    def duration(margin: timedelta) -> dict[str, int]:
        return {"hours": 0, "minutes": int(margin / M), "seconds": 0}

    return {
        "calendar": CALENDAR,
        "match": match,
        "margin_before": duration(before),
        "margin_after": duration(after),
    }


async def add_anna(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *dks: str,
    before: timedelta = timedelta(0),
    after: timedelta = timedelta(0),
) -> str:
    result = await add_guest(
        hass,
        entry,
        first(hass, entry, *dks),
        calendar_form(before=before, after=after),
        second_step="calendar",
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    return only_guest(entry).subentry_id


def state_of(hass: HomeAssistant, subentry_id: str, key: str = "access") -> str:
    return hass.states.get(guest_entity_id(hass, "sensor", subentry_id, key)).state


def share_code(simulator: Simulator) -> str:
    [share] = [s for s in simulator.active_shares() if s.share_uid == GUEST_UID]
    return share.share_code


# --- bookings ----------------------------------------------------------------------


async def test_a_booking_shares_from_its_start_less_the_margin_to_its_end_plus_it(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(
        hass, account, "DEV-1", "DEV-3", before=30 * M, after=60 * M
    )
    assert state_of(hass, subentry_id) == "no_booking"
    assert state_of(hass, subentry_id, "starts") == "unknown"
    assert state_of(hass, subentry_id, "ends") == "unknown"
    simulator.clear_requests()

    await book(hass, "Dentist", 1 * H, 2 * H)
    await book(hass, "Stay of ANNA", 2 * H, 5 * H)

    assert change_requests(simulator) == []
    assert state_of(hass, subentry_id) == "scheduled"
    assert state_of(hass, subentry_id, "starts") == utc_text(90 * M)
    assert state_of(hass, subentry_id, "ends") == utc_text(6 * H)

    await advance(hass, now, 90 * M - timedelta(seconds=1))
    assert change_requests(simulator) == []

    await advance(hass, now, timedelta(seconds=1))
    assert [path for path, _ in change_requests(simulator)] == [SHARE, SHARE]
    assert guest_shares(simulator) == {
        ("pTest", "DEV-1", ms(6 * H)),
        ("pTest2", "DEV-3", ms(6 * H)),
    }
    assert state_of(hass, subentry_id) == "active"

    # The end costs nothing: the cloud ends the shares itself.
    await advance(hass, now, 270 * M)
    assert [path for path, _ in change_requests(simulator)] == [SHARE, SHARE]
    assert guest_shares(simulator) == set()
    assert state_of(hass, subentry_id) == "no_booking"


async def test_a_booking_under_way_when_the_guest_is_added_shares_at_once(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H, description="")
    simulator.clear_requests()

    subentry_id = await add_anna(hass, account)

    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(3 * H))}
    assert state_of(hass, subentry_id) == "active"
    assert state_of(hass, subentry_id, "starts") == utc_text(-1 * H)


async def test_the_description_matches_too(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account)

    await book(hass, "Booking 42", 1 * H, 2 * H, description="Guest: Anna Smith")

    assert state_of(hass, subentry_id, "starts") == utc_text(1 * H)


async def test_an_all_day_booking_runs_from_local_midnight_to_midnight(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account)

    await book(hass, "Anna", date(2030, 6, 2), date(2030, 6, 3))

    # Midnight in US/Pacific (UTC-7) is 07:00 UTC.
    assert state_of(hass, subentry_id, "starts") == "2030-06-02T07:00:00+00:00"
    assert state_of(hass, subentry_id, "ends") == "2030-06-03T07:00:00+00:00"


async def test_moving_the_end_sets_the_share_time(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H)
    subentry_id = await add_anna(hass, account)
    code = share_code(simulator)
    simulator.clear_requests()

    await move(hass, "Anna", -1 * H, 1 * H)

    [(path, query)] = change_requests(simulator)
    assert path == SET_TIME
    assert query["shareCode"] == code
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(1 * H))}
    assert state_of(hass, subentry_id, "ends") == utc_text(1 * H)


async def test_moving_the_start_later_before_it_begins_moves_the_schedule_only(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account, before=30 * M)
    await book(hass, "Anna", 2 * H, 5 * H)
    simulator.clear_requests()

    await move(hass, "Anna", 3 * H, 5 * H)

    assert change_requests(simulator) == []
    assert state_of(hass, subentry_id, "starts") == utc_text(150 * M)
    await advance(hass, now, 90 * M)
    assert change_requests(simulator) == []
    await advance(hass, now, 60 * M)
    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(5 * H))}


async def test_a_booking_moved_far_ahead_is_noticed(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    # Not the calendar's next event: its state does not change, it is only
    # written again.
    await book(hass, "Cleaning", 1 * H, 2 * H)
    await book(hass, "Anna", 24 * H, 48 * H)
    subentry_id = await add_anna(hass, account)

    await move(hass, "Anna", 72 * H, 96 * H)

    assert state_of(hass, subentry_id, "starts") == utc_text(72 * H)


async def test_deleting_an_open_booking_revokes_now(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H)
    subentry_id = await add_anna(hass, account)
    code = share_code(simulator)
    simulator.clear_requests()

    await delete(hass, "Anna")

    [(path, query)] = change_requests(simulator)
    assert path == UNSHARE
    assert query["shareCode"] == code
    assert guest_shares(simulator) == set()
    assert state_of(hass, subentry_id) == "no_booking"


async def test_ending_an_open_booking_early_revokes_now(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -2 * H, 3 * H)
    await book(hass, "Anna again", 24 * H, 26 * H)
    subentry_id = await add_anna(hass, account)
    simulator.clear_requests()

    await move(hass, "Anna", -2 * H, -1 * H)

    assert [path for path, _ in change_requests(simulator)] == [UNSHARE]
    assert guest_shares(simulator) == set()
    # The next booking is what the guest now waits for.
    assert state_of(hass, subentry_id) == "scheduled"
    assert state_of(hass, subentry_id, "starts") == utc_text(24 * H)


async def test_overlapping_bookings_are_one_window_and_one_share(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account)
    await book(hass, "Anna", 1 * H, 4 * H)
    await book(hass, "Anna, longer", 3 * H, 6 * H)
    simulator.clear_requests()

    await advance(hass, now, 1 * H)
    await advance(hass, now, 3 * H)

    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(6 * H))}
    assert state_of(hass, subentry_id) == "active"


async def test_two_bookings_apart_share_end_and_share_again(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account)
    await book(hass, "Anna", 1 * H, 2 * H)
    await book(hass, "Anna", 4 * H, 5 * H)
    simulator.clear_requests()

    await advance(hass, now, 1 * H)
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(2 * H))}

    await advance(hass, now, 1 * H)
    assert guest_shares(simulator) == set()
    assert state_of(hass, subentry_id) == "scheduled"
    assert state_of(hass, subentry_id, "starts") == utc_text(4 * H)

    await advance(hass, now, 2 * H)
    assert [path for path, _ in change_requests(simulator)] == [SHARE, SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(5 * H))}


async def test_what_a_booking_costs(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """One request per device per change; none while nothing changes."""
    subentry_id = await add_anna(hass, account, "DEV-1", "DEV-3")
    await book(hass, "Anna", 1 * H, 3 * H)
    simulator.clear_requests()

    await advance(hass, now, 1 * H)  # the start: a share per device
    # An hour in which the calendar refreshes (and is read) every minute.
    for _ in range(60):
        await advance(hass, now, M)
    await move(hass, "Anna", -1 * H, 4 * H)  # a new end: setShareTime per device
    await delete(hass, "Anna")  # a revoke per device

    assert sorted(path for path, _ in change_requests(simulator)) == sorted(
        [SHARE, SHARE, SET_TIME, SET_TIME, UNSHARE, UNSHARE]
    )
    assert state_of(hass, subentry_id) == "no_booking"


# --- restarts, an unavailable calendar ------------------------------------------------


async def test_a_reload_in_the_middle_of_a_booking_changes_nothing(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H)
    subentry_id = await add_anna(hass, account)
    code = share_code(simulator)
    simulator.clear_requests()

    assert await hass.config_entries.async_unload(account.entry_id)
    await hass.async_block_till_done()
    await advance(hass, now, 30 * M)
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, now, 5 * M)

    assert change_requests(simulator) == []
    assert share_code(simulator) == code
    assert state_of(hass, subentry_id) == "active"


async def test_a_start_with_the_calendar_loading_after_us(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    rentals: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H)
    subentry_id = await add_anna(hass, account)
    code = share_code(simulator)
    assert await hass.config_entries.async_unload(account.entry_id)
    assert await hass.config_entries.async_unload(rentals.entry_id)
    await hass.async_block_till_done()
    simulator.clear_requests()

    # Home Assistant starts again: the account first, the calendar later.
    assert await hass.config_entries.async_setup(account.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, subentry_id) == "active"
    await advance(hass, now, 5 * M)
    assert await hass.config_entries.async_setup(rentals.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert change_requests(simulator) == []
    assert share_code(simulator) == code
    assert state_of(hass, subentry_id) == "active"
    # The calendar is followed again.
    await delete(hass, "Anna")
    assert [path for path, _ in change_requests(simulator)] == [UNSHARE]


async def test_an_unreadable_calendar_keeps_the_last_window_and_logs_once(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    [rentals] = hass.config_entries.async_entries("local_calendar")
    await book(hass, "Anna", -1 * H, 2 * H)
    subentry_id = await add_anna(hass, account)
    simulator.clear_requests()
    caplog.set_level(logging.INFO, logger="custom_components.quectel_iot")

    assert await hass.config_entries.async_unload(rentals.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, now, 30 * M)
    assert state_of(hass, subentry_id) == "active"
    await advance(hass, now, 90 * M)  # the end: read again, still unreadable

    assert change_requests(simulator) == []
    assert state_of(hass, subentry_id) == "ended"
    warnings = [
        r for r in caplog.records if "cannot read calendar.rentals" in r.message
    ]
    assert len(warnings) == 1
    assert "anna" not in warnings[0].getMessage().split(":", 1)[1].lower()

    assert await hass.config_entries.async_setup(rentals.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [r.message for r in caplog.records if "read again" in r.message] == [
        "Guest Anna: calendar.rentals can be read again"
    ]
    assert state_of(hass, subentry_id) == "no_booking"


# --- the guest's entities and edits ---------------------------------------------------


async def test_the_access_sensor_names_the_calendar_not_the_match_text(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account, before=15 * M, after=90 * M)

    attributes = hass.states.get(
        guest_entity_id(hass, "sensor", subentry_id, "access")
    ).attributes
    assert attributes["calendar"] == CALENDAR
    assert attributes["margin_before"] == 15
    assert attributes["margin_after"] == 90
    assert (
        "anna"
        not in repr(
            {key: value for key, value in attributes.items() if key != "friendly_name"}
        ).lower()
    )


async def test_editing_a_calendar_guest_keeps_an_open_share(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H)
    subentry_id = await add_anna(hass, account)
    simulator.clear_requests()

    result = await edit_guest(
        hass,
        account,
        subentry_id,
        {**first(hass, account), "name": "Anna S."},
        calendar_form(match="ANNA", after=30 * M),
        second_step="calendar",
    )

    assert result["reason"] == "reconfigure_successful"
    [(path, _)] = change_requests(simulator)
    assert path == SET_TIME
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(3 * H + 30 * M))}


async def test_the_edit_form_shows_the_calendar_link(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account, before=90 * M)
    result = await hass.config_entries.subentries.async_init(
        (account.entry_id, "guest"),
        context={"source": "reconfigure", "subentry_id": subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], first(hass, account)
    )

    assert result["step_id"] == "calendar"
    defaults = {
        str(key): key.default() for key in result["data_schema"].schema if key.default
    }
    assert defaults["calendar"] == CALENDAR
    assert defaults["match"] == "anna"
    assert defaults["margin_before"] == {
        "days": 0,
        "hours": 1,
        "minutes": 30,
        "seconds": 0,
    }


async def test_an_edit_to_a_window_stops_following_the_calendar(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_anna(hass, account)
    await edit_guest(
        hass,
        account,
        subentry_id,
        first(hass, account, access="until"),
        {"ends_at": local(NOW + 3 * H)},
    )
    simulator.clear_requests()

    await book(hass, "Anna", 5 * H, 6 * H)

    assert change_requests(simulator) == []
    assert (
        "calendar"
        not in hass.states.get(
            guest_entity_id(hass, "sensor", subentry_id, "access")
        ).attributes
    )
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(3 * H))}


async def test_extend_is_unavailable_and_refused_for_a_calendar_guest(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    await book(hass, "Anna", -1 * H, 3 * H)
    subentry_id = await add_anna(hass, account)
    extend = guest_entity_id(hass, "button", subentry_id, "extend")
    simulator.clear_requests()

    assert hass.states.get(extend).state == STATE_UNAVAILABLE
    with pytest.raises(ServiceValidationError) as raised:
        await guest_manager(hass, account.entry_id).async_extend(subentry_id)

    assert raised.value.translation_key == "guest_follows_calendar"
    assert change_requests(simulator) == []

    await edit_guest(
        hass,
        account,
        subentry_id,
        first(hass, account, access="until"),
        {"ends_at": local(NOW + 3 * H)},
    )
    assert hass.states.get(extend).state != STATE_UNAVAILABLE


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"calendar": "calendar.nowhere"}, "calendar_missing"),
        ({"match": "   "}, "invalid_match"),
        ({"match": "x" * 101}, "invalid_match"),
        ({"margin_before": {"days": 8}}, "invalid_margin"),
    ],
)
async def test_the_calendar_form_refuses(
    hass: HomeAssistant,
    account: MockConfigEntry,
    simulator: Simulator,
    form: dict[str, Any],
    error: str,
) -> None:
    simulator.clear_requests()
    result = await add_guest(
        hass,
        account,
        first(hass, account),
        {**calendar_form(), **form},
        second_step="calendar",
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert change_requests(simulator) == []


# --- an end moved earlier than the cloud's --------------------------------------------


async def test_a_share_outlasting_an_ended_window_is_revoked(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    account: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """An ordinary guest: the new end could not be set, and has passed."""
    result = await add_guest(
        hass,
        account,
        first(hass, account, access="until"),
        {"ends_at": local(NOW + 3 * H)},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry_id = only_guest(account).subentry_id
    simulator.inject(Fault.UNKNOWN_CODE, endpoint=SET_TIME, times=1)
    await edit_guest(
        hass,
        account,
        subentry_id,
        first(hass, account, access="until"),
        {"ends_at": local(NOW + 1 * H)},
    )
    assert guest_shares(simulator) == {("pTest", "DEV-1", ms(3 * H))}
    simulator.clear_requests()

    await advance(hass, now, 1 * H)

    assert [path for path, _ in change_requests(simulator)] == [UNSHARE]
    assert guest_shares(simulator) == set()
    assert state_of(hass, subentry_id) == "ended"
