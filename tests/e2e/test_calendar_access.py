"""End to end: a booking in a local calendar makes, moves and ends a share.

A real ``hass`` process with the demo account and Home Assistant's local
calendar. A guest follows the calendar; a booking that starts in a few
seconds makes the share at its start, with the cloud's end at the booking's
end; moving the booking's end moves the cloud's end (``setShareTime``); at
the end the cloud itself ends the share. All of it in a handful of requests.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator import Simulator

from .harness import RealHass

SHARE_BY_UID = "/v2/binding/enduserapi/shareByUid"
SET_SHARE_TIME = "/v2/binding/enduserapi/setShareTime"
OWNER_UNSHARE = "/v2/binding/enduserapi/ownerUserUnshareDevice"
GUEST_EMAIL = "guest@example.com"
GUEST_UID = "C1003"
LIGHT = ("pDemoLight", "DEMO-LIGHT-02")
CALENDAR = "calendar.rentals"
# Seconds from now: long enough for the calendar to be read before the start.
STARTS_IN = 20
LASTS = 25
MOVED_BY = 15
SLACK = 15  # seconds Home Assistant may take to act on a start or a move


async def wait_for(check: Callable[[], Any], seconds: float) -> Any:
    """Wait until ``check()`` is truthy, at most ``seconds``; return its value."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (value := check()) is False or value is None or value == []:
        assert asyncio.get_running_loop().time() < deadline, "gave up waiting"
        await asyncio.sleep(0.25)
    return value


async def wait_for_async(check: Callable[[], Any], seconds: float) -> Any:
    """Like `wait_for`, for a check that must be awaited."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not (value := await check()):
        assert asyncio.get_running_loop().time() < deadline, "gave up waiting"
        await asyncio.sleep(0.25)
    return value


def ms(moment: datetime) -> int:
    """A moment as the cloud's milliseconds."""
    return int(moment.timestamp() * 1000)


def guest_shares(cloud: Simulator) -> list[Any]:
    """The guest's active shares of the light."""
    return [s for s in cloud.active_shares(*LIGHT) if s.share_uid == GUEST_UID]


async def add_calendar_guest(hass: RealHass, entry_id: str, light_id: str) -> None:
    """Add a guest whose access follows the bookings naming "Ana"."""
    _, form = await hass.rest(
        "POST",
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry_id, "guest"], "show_advanced_options": False},
    )
    flow = f"/api/config/config_entries/subentries/flow/{form['flow_id']}"
    _, form = await hass.rest(
        "POST",
        flow,
        {
            "name": "Ana",
            "recipient": {"email": GUEST_EMAIL},
            "devices": [light_id],
            "access": "calendar",
        },
    )
    assert form["step_id"] == "calendar", form
    _, result = await hass.rest(
        "POST",
        flow,
        {
            "calendar": CALENDAR,
            "match": "ana",
            "margin_before": {"hours": 0, "minutes": 0, "seconds": 0},
            "margin_after": {"hours": 0, "minutes": 0, "seconds": 0},
        },
    )
    assert result["type"] == "create_entry", result


async def light_device_id(hass: RealHass) -> str:
    """The registry id of the demo owner's bedroom light."""
    registry = await hass.ws_command({"type": "config/device_registry/list"})
    return next(
        device["id"]
        for device in registry
        if ["quectel_iot", f"{LIGHT[0]}_{LIGHT[1]}"] in device["identifiers"]
    )


async def booking_uid(hass: RealHass, start: datetime, end: datetime) -> str:
    """The uid of the one booking between ``start`` and ``end``."""
    span = f"start={start.isoformat()}&end={end.isoformat()}".replace("+", "%2B")
    _, events = await hass.rest("GET", f"/api/calendars/{CALENDAR}?{span}")
    [event] = events
    return str(event["uid"])


async def test_a_booking_makes_moves_and_ends_a_share(
    real_hass: RealHass, demo_cloud: Simulator, demo_account: dict[str, Any]
) -> None:
    entry = await real_hass.add_account(demo_account)
    assert await real_hass.add_local_calendar("Rentals") == CALENDAR
    light_id = await light_device_id(real_hass)
    await add_calendar_guest(real_hass, entry["entry_id"], light_id)
    demo_cloud.clear_requests()

    # A booking for Ana: nothing is sent before it starts.
    now = datetime.now(UTC).replace(microsecond=0)
    starts = now + timedelta(seconds=STARTS_IN)
    ends = starts + timedelta(seconds=LASTS)
    await real_hass.rest(
        "POST",
        "/api/services/calendar/create_event",
        {
            "entity_id": CALENDAR,
            "summary": "Ana's stay",
            "start_date_time": starts.isoformat(),
            "end_date_time": ends.isoformat(),
        },
    )
    await asyncio.sleep(2)
    assert guest_shares(demo_cloud) == []
    assert demo_cloud.requests_to(SHARE_BY_UID) == []

    # At its start: one share, which the cloud ends at the booking's end.
    [share] = await wait_for(
        lambda: guest_shares(demo_cloud),
        (starts - datetime.now(UTC)).total_seconds() + SLACK,
    )
    assert datetime.now(UTC) >= starts
    assert share.expire_at_ms == ms(ends)

    # The booking is extended: the cloud's end moves, the share stays.
    uid = await booking_uid(real_hass, starts, ends)
    later = ends + timedelta(seconds=MOVED_BY)
    await real_hass.ws_command(
        {
            "type": "calendar/event/update",
            "entity_id": CALENDAR,
            "uid": uid,
            "event": {
                "summary": "Ana's stay",
                "dtstart": starts.isoformat(),
                "dtend": later.isoformat(),
            },
        }
    )
    await wait_for(lambda: demo_cloud.requests_to(SET_SHARE_TIME), SLACK)
    [moved] = guest_shares(demo_cloud)
    assert moved.share_code == share.share_code
    assert moved.expire_at_ms == ms(later)

    # At the new end the cloud ends it by itself, and the guest shows it.
    await wait_for(
        lambda: guest_shares(demo_cloud) == [] or None,
        (later - datetime.now(UTC)).total_seconds() + SLACK,
    )
    assert datetime.now(UTC) >= later

    async def access_over() -> bool:
        states = await real_hass.ws_command({"type": "get_states"})
        access = [
            s["state"]
            for s in states
            if s["entity_id"].startswith("sensor.ana")
            and s["entity_id"].endswith("_access")
        ]
        return access in (["ended"], ["no_booking"])

    await wait_for_async(access_over, SLACK)

    # The whole booking cost one share and one change of its end, nothing
    # else that writes; the requests stay far inside the daily budget.
    assert len(demo_cloud.requests_to(SHARE_BY_UID)) == 1
    assert len(demo_cloud.requests_to(SET_SHARE_TIME)) == 1
    assert demo_cloud.requests_to(OWNER_UNSHARE) == []
    assert demo_cloud.requests_today("owner@example.com") < 50

    assert await real_hass.stop() == 0
    errors = [
        line
        for line in real_hass.log().splitlines()
        if " ERROR " in line and "quectel_iot" in line
    ]
    assert errors == []
