"""Calendar events → access windows: matching, margins, all-day events, merging.

Pure functions, no Home Assistant. Expected windows are written out by hand;
the properties check what must hold for any calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import itertools
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st

from custom_components.quectel_iot.access_windows import (
    CalendarItem,
    Window,
    access_windows,
    current_or_next,
    items_from_events,
    matches,
)

from . import hypothesis_profiles  # noqa: F401  # registers the profiles

PARIS = ZoneInfo("Europe/Paris")
NONE = timedelta(0)


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2030, 6, day, hour, minute, tzinfo=UTC)


def event(
    start: date | datetime, end: date | datetime, summary: str = "Anna", desc: str = ""
) -> CalendarItem:
    return CalendarItem(summary=summary, description=desc, start=start, end=end)


# --- matching ------------------------------------------------------------------------


def test_matching_ignores_case_and_reads_title_or_description() -> None:
    assert matches(event(at(1), at(2), summary="Stay: ANNA Smith"), "anna")
    assert matches(event(at(1), at(2), summary="Stay", desc="guest: Anna"), " Anna ")
    assert not matches(event(at(1), at(2), summary="Stay", desc="Hanna? no"), "Anne")


def test_an_empty_match_text_matches_no_event() -> None:
    assert not matches(event(at(1), at(2), summary="Anna"), "")
    assert not matches(event(at(1), at(2), summary="Anna"), "   ")


def test_only_matching_events_make_windows() -> None:
    items = [
        event(at(10), at(12), summary="Cleaner"),
        event(at(14), at(15), summary="Dentist"),
    ]
    assert access_windows(items, "cleaner", NONE, NONE, UTC) == [Window(at(10), at(12))]


# --- margins, all-day events ---------------------------------------------------


def test_margins_widen_the_window() -> None:
    items = [event(at(10), at(12))]
    windows = access_windows(
        items, "anna", timedelta(minutes=30), timedelta(hours=1), UTC
    )
    assert windows == [Window(at(9, 30), at(13))]


def test_an_all_day_event_runs_midnight_to_midnight_in_the_zone() -> None:
    # Two days, 1 and 2 June (the end date is exclusive).
    items = [event(date(2030, 6, 1), date(2030, 6, 3))]
    [window] = access_windows(items, "anna", NONE, NONE, PARIS)
    assert window == Window(
        datetime(2030, 6, 1, tzinfo=PARIS), datetime(2030, 6, 3, tzinfo=PARIS)
    )
    # Paris is UTC+2 in June.
    assert window.start == datetime(2030, 5, 31, 22, tzinfo=UTC)


def test_an_all_day_event_over_a_clock_change_keeps_local_midnights() -> None:
    # Paris moves to summer time on 31 March 2030: a 23-hour day.
    [window] = access_windows(
        [event(date(2030, 3, 31), date(2030, 4, 1))], "anna", NONE, NONE, PARIS
    )
    assert window.end - window.start == timedelta(hours=23)


def test_a_time_without_zone_is_read_in_the_zone() -> None:
    [window] = access_windows(
        [event(datetime(2030, 6, 1, 10), datetime(2030, 6, 1, 12))],
        "anna",
        NONE,
        NONE,
        PARIS,
    )
    assert window == Window(at(8), at(10))


def test_an_event_without_length_and_margins_makes_no_window() -> None:
    assert access_windows([event(at(10), at(10))], "anna", NONE, NONE, UTC) == []
    assert access_windows(
        [event(at(10), at(10))], "anna", NONE, timedelta(minutes=5), UTC
    ) == [Window(at(10), at(10, 5))]


# --- merging -------------------------------------------------------------------------


def test_overlapping_events_merge_into_one_window() -> None:
    items = [event(at(10), at(14)), event(at(12), at(18)), event(at(11), at(13))]
    assert access_windows(items, "anna", NONE, NONE, UTC) == [Window(at(10), at(18))]


def test_touching_windows_merge_and_margins_can_make_them_touch() -> None:
    touching = [event(at(10), at(12)), event(at(12), at(14))]
    assert access_windows(touching, "anna", NONE, NONE, UTC) == [Window(at(10), at(14))]
    apart = [event(at(10), at(12)), event(at(13), at(14))]
    assert access_windows(apart, "anna", NONE, NONE, UTC) == [
        Window(at(10), at(12)),
        Window(at(13), at(14)),
    ]
    assert access_windows(
        apart, "anna", timedelta(minutes=30), timedelta(minutes=30), UTC
    ) == [Window(at(9, 30), at(14, 30))]


# --- current or next ---------------------------------------------------------------


def test_current_or_next_window() -> None:
    windows = [Window(at(10), at(12)), Window(at(14), at(16))]
    assert current_or_next(windows, at(9)) == Window(at(10), at(12))
    assert current_or_next(windows, at(11)) == Window(at(10), at(12))
    # A window is over at its end: the next one follows.
    assert current_or_next(windows, at(12)) == Window(at(14), at(16))
    assert current_or_next(windows, at(16)) is None
    assert current_or_next([], at(9)) is None


# --- reading calendar.get_events -----------------------------------------------------


def test_events_of_a_get_events_response() -> None:
    items = items_from_events(
        [
            {
                "start": "2030-06-01T10:00:00+02:00",
                "end": "2030-06-01T12:00:00+02:00",
                "summary": "Anna",
                "description": "Booking 42",
            },
            {"start": "2030-06-02", "end": "2030-06-03", "summary": "All day"},
            {"start": "not a time", "end": "2030-06-03", "summary": "Broken"},
            {"start": "2030-06-02", "summary": "No end"},
            "not an event",
        ]
    )
    assert items == [
        CalendarItem(
            "Anna",
            "Booking 42",
            datetime(2030, 6, 1, 8, tzinfo=UTC),
            datetime(2030, 6, 1, 10, tzinfo=UTC),
        ),
        CalendarItem("All day", "", date(2030, 6, 2), date(2030, 6, 3)),
    ]
    assert items_from_events(None) == []


# --- properties ----------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=60 * 24 * 30)
spans = st.lists(
    st.tuples(minutes, st.integers(min_value=0, max_value=60 * 24 * 5), st.booleans()),
    max_size=12,
)
margins = st.integers(min_value=0, max_value=60 * 24)
BASE = datetime(2030, 1, 1, tzinfo=UTC)


def _items(raw: list[tuple[int, int, bool]]) -> list[CalendarItem]:
    return [
        event(
            BASE + timedelta(minutes=start),
            BASE + timedelta(minutes=start + length),
            summary="Anna" if mine else "Someone else",
        )
        for start, length, mine in raw
    ]


@given(spans, margins, margins)
def test_windows_are_ordered_apart_and_cover_exactly_the_matching_events(
    raw: list[tuple[int, int, bool]], before_min: int, after_min: int
) -> None:
    before, after = timedelta(minutes=before_min), timedelta(minutes=after_min)
    items = _items(raw)
    windows = access_windows(items, "anna", before, after, UTC)

    # In order, each longer than zero, with a gap between any two.
    for window in windows:
        assert window.start < window.end
    for first, second in itertools.pairwise(windows):
        assert first.end < second.start
    # Each matching event (with its margins) lies inside one window...
    mine = [item for item in items if item.summary == "Anna"]
    for item in mine:
        start, end = item.start - before, item.end + after  # type: ignore[operator]
        if start < end:
            assert any(w.start <= start and end <= w.end for w in windows)
    # ...and every window starts and ends at a matching event's bounds.
    starts = {item.start - before for item in mine}  # type: ignore[operator]
    ends = {item.end + after for item in mine}  # type: ignore[operator]
    for window in windows:
        assert window.start in starts
        assert window.end in ends


@given(spans, margins, margins, minutes)
def test_current_or_next_is_never_over_and_skips_no_window(
    raw: list[tuple[int, int, bool]], before_min: int, after_min: int, now_min: int
) -> None:
    windows = access_windows(
        _items(raw),
        "anna",
        timedelta(minutes=before_min),
        timedelta(minutes=after_min),
        UTC,
    )
    now = BASE + timedelta(minutes=now_min)
    chosen = current_or_next(windows, now)
    later = [window for window in windows if window.end > now]
    if chosen is None:
        assert later == []
    else:
        assert chosen.end > now
        assert all(chosen.start <= window.start for window in later)
