"""Who a contact-me code hands customers to: a pure function of the rota, the clock and
today's adds, so it is property-tested and every process agrees on the answer.

Times are Asia/Shanghai wall-clock times. `unavailable` is whoever cannot take
customers today whatever the rota says (on leave, left the team): the sales team's
own statuses plug in there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, time, timedelta

from channels.model import Rota
from keywords.hours import shanghai

_SEARCH_DAYS = 8  # every weekday comes round within a week


def on_shift(rota: Rota, now: datetime) -> tuple[str, ...]:
    """The staff whose shift covers `now`, once each, in rota order."""
    local = now.astimezone(shanghai())
    day, clock = local.weekday(), local.time()
    return tuple(
        dict.fromkeys(
            person
            for shift in rota.shifts
            if day in shift.days and shift.start <= clock < shift.end
            for person in shift.staff
        )
    )


def on_duty(
    rota: Rota,
    now: datetime,
    adds_today: Mapping[str, int],
    unavailable: Collection[str] = (),
) -> tuple[str, ...]:
    """The code's `user` list now.

    Those on shift and under the cap; else the backups under the cap; else (everyone
    capped) the backups, then those on shift, then anyone, ignoring the cap, since a
    code must name somebody and a capped person beats a dead code. Nobody who is
    unavailable is ever named; empty only when everyone in the rota is.
    """

    def present(people: Collection[str]) -> list[str]:
        return [p for p in people if p not in unavailable]

    def room(people: Collection[str]) -> list[str]:
        return [p for p in present(people) if not rota.cap or adds_today.get(p, 0) < rota.cap]

    shift = on_shift(rota, now)
    for candidates in (room(shift), room(rota.backups), present(rota.backups), present(shift)):
        if candidates:
            return tuple(candidates)
    return tuple(present(rota.everyone()))


def next_change(rota: Rota, now: datetime, daily: Collection[time] = ()) -> datetime | None:
    """The next moment after `now` when the list may change with no add: a shift starts
    or ends, or (with a cap) midnight resets today's adds; also each of the `daily` times
    (e.g. the edges of an auto-accept window). None: never (no shifts, no cap, no times)."""
    local = now.astimezone(shanghai())
    midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=shanghai())
    for offset in range(_SEARCH_DAYS):
        later = [
            m for m in _changes_on(rota, midnight + timedelta(days=offset), daily) if m > local
        ]
        if later:
            return min(later)
    return None


def last_change(rota: Rota, now: datetime, daily: Collection[time] = ()) -> datetime | None:
    """The latest such moment at or before `now` (None: never). Whoever asks in the same
    stretch gets the same answer, so it names the change: one re-staffing per change."""
    local = now.astimezone(shanghai())
    midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=shanghai())
    for offset in range(_SEARCH_DAYS):
        earlier = [
            m for m in _changes_on(rota, midnight - timedelta(days=offset), daily) if m <= local
        ]
        if earlier:
            return max(earlier)
    return None


def _changes_on(rota: Rota, day: datetime, daily: Collection[time]) -> list[datetime]:
    """The moments of one local day (`day` is its midnight) when the list may change."""
    clocks = [
        *(clock for s in rota.shifts if day.weekday() in s.days for clock in (s.start, s.end)),
        *daily,
    ]
    moments = [day] if rota.cap else []
    moments.extend(day.replace(hour=c.hour, minute=c.minute, second=c.second) for c in clocks)
    return moments
