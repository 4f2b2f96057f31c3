"""When a step is due: its wait after the previous step, then the send window.

Waits are "30m", "2h", "3d" or "next day at 10:00" (Asia/Shanghai). Quiet
hours (default 22:00-08:00) hold a send until the window opens again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from keywords.hours import shanghai

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")
_NEXT_DAY = re.compile(r"^\s*next day at (\d{1,2}):(\d{2})\s*$")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}
_HOURS_PER_DAY = 24
_MINUTES_PER_HOUR = 60


class WaitError(ValueError):
    pass


def _clock(hour: str, minute: str) -> time:
    h, m = int(hour), int(minute)
    if h >= _HOURS_PER_DAY or m >= _MINUTES_PER_HOUR:
        raise WaitError(f"{hour}:{minute} is not a time of day")
    return time(h, m)


@dataclass(frozen=True)
class Wait:
    """A delay, or a wall-clock time on the next day (`at`)."""

    delay: timedelta = timedelta()
    at: time | None = None

    def due(self, after: datetime) -> datetime:
        if self.at is None:
            return after + self.delay
        local = after.astimezone(shanghai()) + timedelta(days=1)
        return datetime.combine(local.date(), self.at, shanghai()).astimezone(after.tzinfo)

    def __str__(self) -> str:
        if self.at is not None:
            return f"next day at {self.at:%H:%M}"
        minutes = int(self.delay.total_seconds() // 60)
        for unit, size in (("d", 1440), ("h", 60)):
            if minutes and minutes % size == 0:
                return f"{minutes // size}{unit}"
        return f"{minutes}m"


def parse_wait(text: str) -> Wait:
    duration = _DURATION.match(text)
    if duration:
        return Wait(delay=timedelta(**{_UNITS[duration.group(2)]: int(duration.group(1))}))
    next_day = _NEXT_DAY.match(text)
    if next_day:
        return Wait(at=_clock(next_day.group(1), next_day.group(2)))
    raise WaitError(f"{text!r} is no wait: use 30m, 2h, 3d or 'next day at 10:00'")


def parse_duration(text: str) -> timedelta:
    wait = parse_wait(text)
    if wait.at is not None:
        raise WaitError(f"{text!r} must be a duration such as 2h or 1d")
    return wait.delay


@dataclass(frozen=True)
class QuietHours:
    """No sends from `start` to `end` (Shanghai time); the window may cross midnight."""

    start: time = time(22)
    end: time = time(8)

    def contains(self, now: datetime) -> bool:
        local = now.astimezone(shanghai()).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_open(self, now: datetime) -> datetime:
        """The first moment at or after `now` outside quiet hours."""
        if not self.contains(now):
            return now
        local = now.astimezone(shanghai())
        opening = datetime.combine(local.date(), self.end, shanghai())
        if opening <= local:
            opening += timedelta(days=1)
        return opening.astimezone(now.tzinfo)

    def day_after(self, now: datetime) -> datetime:
        """When the next day's window opens (a capped person's next chance)."""
        local = now.astimezone(shanghai()) + timedelta(days=1)
        opening = datetime.combine(local.date(), self.end, shanghai())
        return opening.astimezone(now.tzinfo)


def parse_quiet_hours(text: str) -> QuietHours:
    found = _WINDOW.match(text)
    if found is None:
        raise WaitError(f"{text!r} is no window: use 22:00-08:00")
    start, end = _clock(*found.group(1, 2)), _clock(*found.group(3, 4))
    return QuietHours(start, end)


def start_of_day(now: datetime) -> datetime:
    local = now.astimezone(shanghai())
    return datetime.combine(local.date(), time(), shanghai()).astimezone(now.tzinfo)
