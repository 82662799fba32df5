"""Calendar events → a guest's access windows (pure: no Home Assistant).

An event matches when its title (summary) or description contains the
guest's match text, ignoring case. Its window is its start less the margin
before until its end plus the margin after; an all-day event runs from
midnight of its first day to midnight after its last (its end date is
exclusive, as in iCalendar), in the given time zone. Windows that overlap or
touch merge into one, so back-to-back bookings are one share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One calendar event, as far as access is concerned."""

    summary: str
    description: str
    start: date | datetime
    end: date | datetime


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """When a guest has access: from ``start`` until ``end`` (UTC)."""

    start: datetime
    end: datetime


def matches(item: CalendarItem, match: str) -> bool:
    """Whether an event is the guest's: its title or description has ``match``.

    An empty match text matches nothing (never every event).
    """
    needle = match.strip().casefold()
    if not needle:
        return False
    return needle in item.summary.casefold() or needle in item.description.casefold()


def moment(value: date | datetime, zone: tzinfo) -> datetime:
    """Return an event's start or end as a UTC time.

    A date is midnight of that day in ``zone``; a time without a zone (a
    "floating" time) is read in ``zone`` too. In UTC, so that lengths and
    comparisons are right across a change of the clocks.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
    else:
        aware = datetime.combine(value, time.min, tzinfo=zone)
    return aware.astimezone(UTC)


def access_windows(
    items: Iterable[CalendarItem],
    match: str,
    before: timedelta,
    after: timedelta,
    zone: tzinfo,
) -> list[Window]:
    """Return the guest's windows, merged and in order."""
    windows = sorted(
        Window(moment(item.start, zone) - before, moment(item.end, zone) + after)
        for item in items
        if matches(item, match)
    )
    merged: list[Window] = []
    for window in windows:
        if window.end <= window.start:
            continue
        if merged and window.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Window(last.start, max(last.end, window.end))
        else:
            merged.append(window)
    return merged


def current_or_next(windows: Iterable[Window], now: datetime) -> Window | None:
    """Return the window open at ``now``, else the next one, else ``None``."""
    return next((window for window in sorted(windows) if window.end > now), None)


def items_from_events(events: Any) -> list[CalendarItem]:
    """Read the ``events`` list of a ``calendar.get_events`` response.

    Each event has ``start`` and ``end`` as ISO dates (all-day) or date-times;
    an event whose times cannot be read is skipped.
    """
    items: list[CalendarItem] = []
    if not isinstance(events, list):
        return items
    for event in events:
        if not isinstance(event, Mapping):
            continue
        start = _date_or_time(event.get("start"))
        end = _date_or_time(event.get("end"))
        if start is None or end is None:
            continue
        items.append(
            CalendarItem(
                summary=_text(event.get("summary")),
                description=_text(event.get("description")),
                start=start,
                end=end,
            )
        )
    return items


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _date_or_time(value: Any) -> date | datetime | None:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        return None
    try:
        if "T" in value or " " in value.strip():
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        return None
