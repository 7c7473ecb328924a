"""Delivery windows, pure: a zone's daily windows in the shop's time zone, and the
instants they open and close on a given local day. No clock: the caller passes `now`.

A window is minutes after local midnight, [starts, ends); `ends <= starts` means it
closes the next day (22:00-01:00). Its *day* is the local day it opens. Local times
become instants with zoneinfo, so a day with a daylight-saving change is handled the
way clocks are: a window's length follows the wall clock (10:00-12:00 is two hours on
any day; 00:00-04:00 is three or five hours on a change day). A time the change skips
(02:30 when clocks jump from 02:00 to 03:00) is read with the offset before the jump,
so it lands an hour later on the clock (03:30); a time that happens twice is the first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from microletter.core.errors import TooLarge
from microletter.core.models import Instant, JsonValue
from microletter.shop.errors import TimeZoneInvalid, WindowClosed, WindowInvalid
from microletter.shop.rules import WindowId, ZoneId

HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_WINDOWS = 12  # per zone and day
MAX_AREAS = 200  # postal codes and districts per zone
MAX_CAPACITY = 10_000
HORIZON_DAYS = 14  # how far ahead a window may be chosen
OFFERED_DAYS = 3  # how many days checkout offers


@dataclass(frozen=True, slots=True)
class NewWindow:
    starts: int  # minutes after local midnight
    ends: int
    capacity: int


@dataclass(frozen=True, slots=True)
class Window:
    id: WindowId
    zone_id: ZoneId
    starts: int
    ends: int
    capacity: int


@dataclass(frozen=True, slots=True)
class Opening:
    """A window on one local day, with the instants it opens and closes."""

    window: Window
    day: str  # YYYY-MM-DD, local
    starts_at: Instant
    ends_at: Instant


def check_time_zone(name: str) -> str:
    """An IANA time zone name zoneinfo knows (TimeZoneInvalid otherwise)."""
    if not isinstance(name, str) or not name or len(name) > 64 or ".." in name:
        raise TimeZoneInvalid(field="time_zone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneInvalid(field="time_zone", time_zone=name) from None
    return name


def minutes(value: JsonValue, field: str) -> int:
    if not isinstance(value, str) or not HHMM.fullmatch(value):
        raise WindowInvalid(f"{field} is a local time HH:MM (00:00-23:59).", field=field)
    hours, mins = value.split(":")
    return int(hours) * 60 + int(mins)


def hhmm(mins: int) -> str:
    return f"{mins // 60:02d}:{mins % 60:02d}"


def check_window(raw: Mapping[str, JsonValue]) -> NewWindow:
    starts, ends = minutes(raw.get("start"), "start"), minutes(raw.get("end"), "end")
    capacity = check_capacity(raw.get("capacity"))
    if starts == ends:
        raise WindowInvalid("A window ends after it starts.", field="end")
    return NewWindow(starts, ends, capacity)


def check_windows(raw: Sequence[Mapping[str, JsonValue]]) -> tuple[NewWindow, ...]:
    if not raw:
        raise WindowInvalid("A zone has at least one window.", field="windows")
    if len(raw) > MAX_WINDOWS:
        raise TooLarge("Too many windows.", field="windows", max_items=MAX_WINDOWS)
    return check_window_set([check_window(w) for w in raw])


def check_window_set(windows: Sequence[NewWindow]) -> tuple[NewWindow, ...]:
    """A zone's windows as a whole: at most MAX_WINDOWS, no two starting together."""
    if len(windows) > MAX_WINDOWS:
        raise TooLarge("Too many windows.", field="windows", max_items=MAX_WINDOWS)
    ordered = tuple(sorted(windows, key=lambda w: w.starts))
    if len({w.starts for w in ordered}) != len(ordered):
        raise WindowInvalid("Two windows of a zone start at the same time.", field="windows")
    return ordered


@dataclass(frozen=True, slots=True)
class WindowEdit:
    """A change to a window: what is None stays as it was."""

    starts: int | None = None
    ends: int | None = None
    capacity: int | None = None

    @property
    def moves(self) -> bool:
        return self.starts is not None or self.ends is not None

    def applied_to(self, w: Window) -> Window:
        after = Window(
            w.id,
            w.zone_id,
            w.starts if self.starts is None else self.starts,
            w.ends if self.ends is None else self.ends,
            w.capacity if self.capacity is None else self.capacity,
        )
        if after.starts == after.ends:
            raise WindowInvalid("A window ends after it starts.", field="end")
        return after


def check_window_edit(raw: Mapping[str, JsonValue]) -> WindowEdit:
    """{start?, end?, capacity?} as sent: what is given is checked."""
    start, end, capacity = raw.get("start"), raw.get("end"), raw.get("capacity")
    return WindowEdit(
        None if start is None else minutes(start, "start"),
        None if end is None else minutes(end, "end"),
        None if capacity is None else check_capacity(capacity),
    )


def check_capacity(capacity: JsonValue) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise WindowInvalid("capacity is a whole number.", field="capacity")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise WindowInvalid(f"capacity is 1 to {MAX_CAPACITY}.", field="capacity")
    return capacity


def check_areas(raw: Sequence[str]) -> tuple[str, ...]:
    areas = tuple(dict.fromkeys(normal_area(a) for a in raw))
    if not areas or not all(areas):
        raise WindowInvalid("A zone serves at least one postal code or district.", field="areas")
    if len(areas) > MAX_AREAS:
        raise TooLarge("Too many areas.", field="areas", max_items=MAX_AREAS)
    return areas


def normal_area(area: str) -> str:
    """A postal code or district as compared: spaces squeezed, case folded."""
    return " ".join(area.split()).casefold()[:100]


def check_day(day: str) -> date:
    if not isinstance(day, str) or not DAY.fullmatch(day):
        raise WindowInvalid("A day is YYYY-MM-DD.", field="day")
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise WindowInvalid("No such day.", field="day") from None


def local_instant(day: date, mins: int, zone: ZoneInfo) -> Instant:
    """The instant a local wall-clock time happens on `day` (see the module's note)."""
    wall = datetime.combine(day, time(mins // 60, mins % 60), tzinfo=zone)
    return Instant(int(wall.astimezone(UTC).timestamp() * 1000))


def local_day(now: Instant, time_zone: str) -> date:
    return datetime.fromtimestamp(now / 1000, tz=ZoneInfo(time_zone)).date()


def opening(window: Window, day: date, time_zone: str) -> Opening:
    zone = ZoneInfo(time_zone)
    closes_on = day + timedelta(days=1) if window.ends <= window.starts else day
    return Opening(
        window,
        day.isoformat(),
        local_instant(day, window.starts, zone),
        local_instant(closes_on, window.ends, zone),
    )


def upcoming(
    windows: Sequence[Window], now: Instant, time_zone: str, days: int = OFFERED_DAYS
) -> list[Opening]:
    """The windows that open after `now`, on today and the next `days - 1` local days,
    soonest first (what checkout may offer, before counting the places taken)."""
    today = local_day(now, time_zone)
    found = [
        o
        for n in range(days)
        for w in windows
        if (o := opening(w, today + timedelta(days=n), time_zone)).starts_at > now
    ]
    return sorted(found, key=lambda o: (o.starts_at, o.window.id))


def check_choice(window: Window, day: str, now: Instant, time_zone: str) -> Opening:
    """The window the buyer chose, on their day: still to open, and within the horizon
    (WindowClosed, WindowInvalid)."""
    chosen = opening(window, check_day(day), time_zone)
    if chosen.starts_at <= now:
        raise WindowClosed(window_id=window.id, day=day)
    if check_day(day) > local_day(now, time_zone) + timedelta(days=HORIZON_DAYS):
        raise WindowInvalid("That day is too far ahead.", field="day", horizon_days=HORIZON_DAYS)
    return chosen
