"""A guest whose access follows a calendar: reading it, and when.

The follower of a guest reads its calendar through Home Assistant's
``calendar.get_events`` action, turns the events into windows
(`access_windows`) and hands the current or next one to the guest manager,
which writes it into the guest's data as its start and end: the manager then
does the cloud work as for any guest. The calendar is read only when Home
Assistant writes the calendar entity's state (which the calendar integration
does when it refreshes), at the window's start and end, and when the guest
is set up or edited: never on a timer of its own.

A calendar that is unavailable or cannot be read keeps the last window known
(the cloud's expiry still ends the access on time); it is logged once, and
once again when it can be read again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Final

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .access_windows import Window, access_windows, current_or_next, items_from_events
from .const import DOMAIN, LOGGER
from .coordinator import QuectelConfigEntry
from .guest_model import CalendarLink

CALENDAR_DOMAIN: Final = "calendar"
SERVICE_GET_EVENTS: Final = "get_events"
# How far ahead the calendar is read for the next window.
HORIZON: Final = timedelta(days=366)


class CalendarUnreadableError(Exception):
    """The calendar is unavailable, or reading its events failed."""


async def async_read_window(
    hass: HomeAssistant,
    link: CalendarLink,
    now: datetime,
    context: Context | None = None,
) -> Window | None:
    """Return the guest's window open at ``now``, else the next; or raise.

    Reads from ``now`` less the margin after (an event just over may still
    be in its margin) to a year ahead. Home Assistant writes a polled
    calendar's state after the action, with the action's ``context``.
    """
    state = hass.states.get(link.entity_id)
    if state is None or state.state == STATE_UNAVAILABLE:
        raise CalendarUnreadableError(f"{link.entity_id} is unavailable")
    try:
        response = await hass.services.async_call(
            CALENDAR_DOMAIN,
            SERVICE_GET_EVENTS,
            {
                "entity_id": link.entity_id,
                "start_date_time": now - link.after,
                "end_date_time": now + HORIZON + link.before,
            },
            blocking=True,
            context=context,
            return_response=True,
        )
    except (HomeAssistantError, vol.Invalid) as err:
        raise CalendarUnreadableError(str(err)) from err
    found = response.get(link.entity_id) if isinstance(response, Mapping) else None
    events = found.get("events") if isinstance(found, Mapping) else None
    if not isinstance(events, list):
        raise CalendarUnreadableError(f"{link.entity_id} gave no events list")
    windows = access_windows(
        items_from_events(events),
        link.match,
        link.before,
        link.after,
        dt_util.get_default_time_zone(),
    )
    return current_or_next(windows, now)


class CalendarFollower:
    """Reads one guest's calendar when it may have changed; reports windows."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: QuectelConfigEntry,
        link: CalendarLink,
        name: Callable[[], str],
        found: Callable[[Window | None], None],
    ) -> None:
        """Follow ``link``; ``found`` gets each window read (``None``: none)."""
        self.hass = hass
        self.entry = entry
        self.link = link
        self._name = name
        self._found = found
        self._subscriptions: list[CALLBACK_TYPE] = []
        self._timers: list[CALLBACK_TYPE] = []
        self._reading = False
        self._read_again = False
        # The context of the read under way: Home Assistant writes a polled
        # calendar's state at the end of the action, which is no news.
        self._read_context: str | None = None
        self._unreadable = False
        self._stopped = False

    @callback
    def async_start(self) -> None:
        """Read now if the calendar is there, and whenever its state is written."""
        entity_ids = [self.link.entity_id]
        self._subscriptions = [
            async_track_state_change_event(self.hass, entity_ids, self._written),
            async_track_state_report_event(self.hass, entity_ids, self._written),
        ]
        if self.hass.states.get(self.link.entity_id) is not None:
            self.async_read()

    @callback
    def async_stop(self) -> None:
        """Stop following (the guest was deleted or edited, or unloaded)."""
        self._stopped = True
        for unsub in (*self._subscriptions, *self._timers):
            unsub()
        self._subscriptions.clear()
        self._timers.clear()

    @callback
    def async_follow(
        self, starts_at: datetime | None, ends_at: datetime | None
    ) -> None:
        """Read again at the guest's window's start and end, still to come."""
        for unsub in self._timers:
            unsub()
        self._timers.clear()
        now = dt_util.utcnow()
        for moment in (starts_at, ends_at):
            if moment is not None and moment > now:
                self._timers.append(
                    async_track_point_in_utc_time(self.hass, self._due, moment)
                )

    @callback
    def _due(self, _now: datetime) -> None:
        self.async_read()

    @callback
    def _written(
        self, event: Event[EventStateChangedData] | Event[EventStateReportedData]
    ) -> None:
        if event.context.id != self._read_context:
            self.async_read()

    @callback
    def async_read(self) -> None:
        """Read the calendar; reads asked for meanwhile make one more."""
        if self._stopped:
            return
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        self.entry.async_create_task(
            self.hass, self._async_read(), f"{DOMAIN} guest calendar"
        )

    async def _async_read(self) -> None:
        try:
            while True:
                self._read_again = False
                await self._async_read_once()
                if not self._read_again or self._stopped:
                    return
        finally:
            self._reading = False

    async def _async_read_once(self) -> None:
        context = Context()
        self._read_context = context.id
        try:
            window = await async_read_window(
                self.hass, self.link, dt_util.utcnow(), context
            )
        except CalendarUnreadableError as err:
            if not self._unreadable:
                self._unreadable = True
                LOGGER.warning(
                    "Guest %s: cannot read %s (%s); the last window known "
                    "stays, and the cloud still ends it on time",
                    self._name(),
                    self.link.entity_id,
                    err,
                )
        else:
            if self._unreadable:
                self._unreadable = False
                LOGGER.info(
                    "Guest %s: %s can be read again",
                    self._name(),
                    self.link.entity_id,
                )
            if not self._stopped:
                self._found(window)
        finally:
            self._read_context = None
