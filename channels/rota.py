"""Who a contact-me code hands customers to: a pure function of the rota, the clock and
today's adds, so it is property-tested and every process agrees on the answer.

Times are Asia/Shanghai wall-clock times. `unavailable` is whoever cannot take
customers today whatever the rota says (on leave, left the team): the sales team's
own statuses plug in there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

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


def next_change(rota: Rota, now: datetime) -> datetime | None:
    """The next moment after `now` when the list may change with no add: a shift starts
    or ends, or (with a cap) midnight resets today's adds. None: never (no shifts, no cap)."""
    local = now.astimezone(shanghai())
    midnight = datetime.combine(local.date(), datetime.min.time(), tzinfo=shanghai())
    moments = []
    for offset in range(_SEARCH_DAYS):
        day = midnight + timedelta(days=offset)
        if rota.cap and offset:
            moments.append(day)
        moments.extend(
            day.replace(hour=clock.hour, minute=clock.minute, second=clock.second)
            for shift in rota.shifts
            if day.weekday() in shift.days
            for clock in (shift.start, shift.end)
        )
        if offset and any(m > local for m in moments):
            break
    later = [m for m in moments if m > local]
    return min(later) if later else None
