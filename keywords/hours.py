"""Opening-hours cells and the local clock they are read against (Asia/Shanghai)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from filecheck.wording import N_, Wording
from keywords.problems import CellError
from keywords.rules import HoursWindow

_MINUTES_PER_DAY = 24 * 60
_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*[-~]\s*(\d{1,2}):(\d{2})")


@cache
def shanghai() -> ZoneInfo:
    """The zone every `hours` cell is written in (loaded on first use, not at import)."""
    return ZoneInfo("Asia/Shanghai")


def local_time(now: datetime) -> time:
    """The Shanghai wall-clock time of an aware `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware; a naive time is ambiguous")
    return now.astimezone(shanghai()).time()


def _clock(hour: str, minute: str) -> time:
    hours, minutes = int(hour), int(minute)
    if hours > 23 or minutes > 59:  # noqa: PLR2004 - the clock's own limits
        raise CellError(
            Wording(
                N_("%(hour)s:%(minute)s is not a time of day"), {"hour": hour, "minute": minute}
            )
        )
    return time(hours, minutes)


def parse_hours(cell: str) -> HoursWindow:
    """Parse `HH:MM-HH:MM` (full-width digits and colons from an IME are fine)."""
    found = _HOURS.fullmatch(unicodedata.normalize("NFKC", cell).strip())
    if found is None:
        raise CellError(
            Wording(
                N_("hours '%(value)s' is not HH:MM-HH:MM (e.g. 09:00-18:00 or 22:00-06:00)"),
                {"value": cell},
            )
        )
    start, end = _clock(found[1], found[2]), _clock(found[3], found[4])
    if start == end:
        raise CellError(
            Wording(
                N_("hours '%(value)s' start and end at the same time; leave blank for all day"),
                {"value": cell},
            )
        )
    return HoursWindow(start, end)


def format_hours(window: HoursWindow) -> str:
    return f"{window.start:%H:%M}-{window.end:%H:%M}"


def _minutes(window: HoursWindow) -> frozenset[int]:
    start = window.start.hour * 60 + window.start.minute
    end = window.end.hour * 60 + window.end.minute
    if start < end:
        return frozenset(range(start, end))
    return frozenset(range(start, _MINUTES_PER_DAY)) | frozenset(range(end))


def covers(outer: HoursWindow | None, inner: HoursWindow | None) -> bool:
    """Whether `outer` is open whenever `inner` is (None = always open)."""
    if outer is None:
        return True
    if inner is None:
        return False
    return _minutes(inner) <= _minutes(outer)
