"""The channels as the site pages through them: a page of the directory with each
channel's sums over a period, and one channel's days and staff.

Everything reads the maintained aggregates (`channel_days`, one row per channel, day
and staff member), never events: a page of channels costs its channels' rows for the
period, found on the `(channel, day, staff)` unique index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from storage.channels.models import COUNTS, ChannelDay, ChannelRow
from storage.database import SessionFactory

Counts = dict[str, int]


@dataclass(frozen=True)
class ChannelPage:
    """One page of the directory, keyset-paged on the key, and its channels' sums."""

    rows: list[ChannelRow]
    sums: dict[str, Counts]
    next_after: str | None  # the key to page on from; None: this is the last page


def _sums(row: Sequence[object]) -> Counts:
    return {name: int(str(value or 0)) for name, value in zip(COUNTS, row, strict=True)}


async def channel_page(
    sessions: SessionFactory, since_day: str, limit: int, after: str | None = None
) -> ChannelPage:
    """`limit` channels in key order after `after`, each with its counts from `since_day`."""
    query = select(ChannelRow).order_by(ChannelRow.key).limit(limit + 1)
    if after:
        query = query.where(ChannelRow.key > after)
    async with sessions() as session:
        rows = list(await session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        keys = [row.key for row in rows]
        sums: dict[str, Counts] = {}
        if keys:
            found = await session.execute(
                select(ChannelDay.channel, *(func.sum(getattr(ChannelDay, n)) for n in COUNTS))
                .where(ChannelDay.channel.in_(keys), ChannelDay.day >= since_day)
                .group_by(ChannelDay.channel)
            )
            sums = {str(row[0]): _sums(row[1:]) for row in found}
    return ChannelPage(rows, sums, rows[-1].key if more and rows else None)


@dataclass(frozen=True)
class ChannelDetail:
    """One channel's directory row, its days (all staff together) and its staff's sums."""

    row: ChannelRow | None
    days: list[tuple[str, Counts]]
    staff: list[tuple[str, Counts]]
    adds_today: dict[str, int]


async def channel_detail(
    sessions: SessionFactory, key: str, since_day: str, today: str
) -> ChannelDetail:
    """Three reads on the channel's index rows: the period's days, its staff, today's adds."""
    async with sessions() as session:
        row = await session.scalar(select(ChannelRow).where(ChannelRow.key == key))
        mine = (ChannelDay.channel == key, ChannelDay.day >= since_day)
        days = await session.execute(
            select(ChannelDay.day, *(func.sum(getattr(ChannelDay, n)) for n in COUNTS))
            .where(*mine)
            .group_by(ChannelDay.day)
            .order_by(ChannelDay.day)
        )
        per_day = [(str(r[0]), _sums(r[1:])) for r in days]
        staff = await session.execute(
            select(ChannelDay.staff, *(func.sum(getattr(ChannelDay, n)) for n in COUNTS))
            .where(*mine, ChannelDay.staff != "")
            .group_by(ChannelDay.staff)
            .order_by(ChannelDay.staff)
        )
        per_staff = [(str(r[0]), _sums(r[1:])) for r in staff]
        today_rows = await session.execute(
            select(ChannelDay.staff, ChannelDay.adds).where(
                ChannelDay.channel == key, ChannelDay.day == today, ChannelDay.adds > 0
            )
        )
        adds = {str(s): int(n) for s, n in today_rows}
    return ChannelDetail(row, per_day, per_staff, adds)
