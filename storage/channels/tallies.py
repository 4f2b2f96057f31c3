"""The one writer of `channel_days`: counts added in the transaction of the event that
makes them, so a replayed batch (rolled back) never counts twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.models import COUNTS, ChannelDay
from storage.local_days import local_day


@dataclass
class Tally:
    """Counts gathered while applying a batch, written with one statement."""

    counts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)

    def add(self, channel: str, at: datetime, metric: str, staff: str = "", n: int = 1) -> None:
        if metric not in COUNTS:
            raise ValueError(f"no channel count named {metric!r}")
        self.counts[(channel, local_day(at), staff, metric)] += n

    async def write(self, session: AsyncSession) -> None:
        """Add the counts to their rows (created on first count), then forget them."""
        rows: dict[tuple[str, str, str], dict[str, object]] = {}
        for (channel, day, staff, metric), n in self.counts.items():
            row = rows.setdefault(
                (channel, day, staff),
                {"channel": channel, "day": day, "staff": staff, **dict.fromkeys(COUNTS, 0)},
            )
            row[metric] = int(str(row[metric])) + n
        self.counts.clear()
        if not rows:
            return
        connection = await session.connection()
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(ChannelDay)
        upsert = statement.on_conflict_do_update(
            index_elements=["channel", "day", "staff"],
            set_={name: getattr(ChannelDay, name) + statement.excluded[name] for name in COUNTS},
        )
        # Sorted: two transactions touching the same rows lock them in the same order.
        await connection.execute(upsert, [rows[key] for key in sorted(rows)])


async def adds_today(session: AsyncSession, channel: str, now: datetime) -> Mapping[str, int]:
    """Staff → adds through this channel's code today (the rota's caps)."""
    rows = await session.execute(
        select(ChannelDay.staff, ChannelDay.adds).where(
            ChannelDay.channel == channel, ChannelDay.day == local_day(now), ChannelDay.adds > 0
        )
    )
    return {str(staff): int(adds) for staff, adds in rows}


async def totals(
    session: AsyncSession, since_day: str, channel: str | None = None, *, by_staff: bool = False
) -> list[tuple[str, str, dict[str, int]]]:
    """(channel, staff or "", counts) summed from `since_day` on, per channel (and staff)."""
    keys = [ChannelDay.channel, ChannelDay.staff] if by_staff else [ChannelDay.channel]
    query = select(*keys, *(func.sum(getattr(ChannelDay, n)) for n in COUNTS)).where(
        ChannelDay.day >= since_day
    )
    if channel is not None:
        query = query.where(ChannelDay.channel == channel)
    rows = await session.execute(query.group_by(*keys).order_by(*keys))
    found = []
    for row in rows:
        head = list(row[: len(keys)])
        sums = {name: int(value or 0) for name, value in zip(COUNTS, row[len(keys) :], strict=True)}
        found.append((str(head[0]), str(head[1]) if by_staff else "", sums))
    return found


async def by_day(
    session: AsyncSession, channel: str, since_day: str
) -> list[tuple[str, dict[str, int]]]:
    """A channel's counts per day (all staff together), oldest first: its figures over time."""
    rows = await session.execute(
        select(ChannelDay.day, *(func.sum(getattr(ChannelDay, n)) for n in COUNTS))
        .where(ChannelDay.channel == channel, ChannelDay.day >= since_day)
        .group_by(ChannelDay.day)
        .order_by(ChannelDay.day)
    )
    return [(str(row[0]), {n: int(v or 0) for n, v in zip(COUNTS, row[1:], strict=True)})
            for row in rows]  # fmt: skip
