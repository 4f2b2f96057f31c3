"""What each channel brought, from the daily aggregates: for `wxbot channels stats` and
the admin site's channel pages (phase 2). Reads rows per channel and day, never events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.channels.directory import all_channels
from storage.channels.tallies import by_day, totals
from storage.database import SessionFactory
from storage.local_days import local_day


@dataclass(frozen=True)
class ChannelFigures:
    key: str
    name: str
    group: str
    staff: str  # "" for the channel as a whole
    counts: dict[str, int]
    cost: float | None

    @property
    def net_growth(self) -> int:
        c = self.counts
        gained = c["follows"] + c["refollows"] + c["adds"]
        return gained - c["unfollows"] - c["deleted_by_staff"] - c["deleted_by_customer"]

    def ratio(self, part: str, whole: str) -> float | None:
        return self.counts[part] / self.counts[whole] if self.counts[whole] else None

    def cost_per(self, what: str) -> float | None:
        count = self.counts[what]
        return None if self.cost is None or not count else self.cost / count


def since_day(now: datetime, days: int) -> str:
    """The first day of the last `days` days, today included."""
    return local_day(now - timedelta(days=days - 1))


async def channel_figures(
    sessions: SessionFactory, now: datetime, days: int, *, channel: str | None = None,
    by_staff: bool = False,
) -> list[ChannelFigures]:  # fmt: skip
    """Each channel's counts over the last `days` (per staff member too, with `by_staff`)."""
    async with sessions() as session:
        names = {row.key: row for row in await all_channels(session)}
        rows = await totals(session, since_day(now, days), channel, by_staff=by_staff)
    found = []
    for key, staff, counts in rows:
        row = names.get(key)
        name, group = (row.name, row.group_name) if row else (key, "")
        cost = row.cost if row and not staff else None
        found.append(ChannelFigures(key, name, group, staff, counts, cost))
    return found


async def channel_days(
    sessions: SessionFactory, key: str, now: datetime, days: int
) -> list[tuple[str, dict[str, int]]]:
    """One channel's counts per day over the last `days`: its chart."""
    async with sessions() as session:
        return await by_day(session, key, since_day(now, days))
