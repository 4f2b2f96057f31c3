"""Per-day message counts for the dashboard: finished days from `admin_daily_counts`
(computed once, on first need), today counted live over the `received_at` index.

Messages and unanswered ones are counted as the misses report counts them
(`storage.keyword_stats.messages` and `unanswered`), so the two pages agree.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.admin_models import DailyCount
from storage.cache import Cache
from storage.database import SessionFactory
from storage.keyword_stats import messages, unanswered
from storage.models import InboundEvent
from storage.upsert import insert_or_skip

# Named apart from the first release's "messages"/"matched"/"missed" rows, which counted
# texts only and took a `default` rule's reply for an answer: those rows are not read.
METRICS = ("received", "follows", "answered", "unanswered")
TODAY_KEY = "admin:today_counts"
TODAY_TTL_S = 60


@dataclass(frozen=True)
class Day:
    label: str  # YYYY-MM-DD in the team's timezone
    start: datetime
    end: datetime
    finished: bool  # a past day: its counts can no longer change


def _today_key(day: Day) -> str:
    return f"{TODAY_KEY}:{day.label}"


async def _count_day(session: AsyncSession, day: Day, defaults: Collection[str]) -> dict[str, int]:
    row = (
        await session.execute(
            select(
                func.sum(case((messages(), 1), else_=0)),
                func.sum(case((InboundEvent.event == "subscribe", 1), else_=0)),
                func.sum(case((messages() & unanswered(defaults), 1), else_=0)),
            ).where(InboundEvent.received_at >= day.start, InboundEvent.received_at < day.end)
        )
    ).one()
    received, follows, missed = (int(value or 0) for value in row)
    return {"received": received, "follows": follows, "answered": received - missed,
            "unanswered": missed}  # fmt: skip


async def daily_counts(
    sessions: SessionFactory,
    days: list[Day],
    defaults: Collection[str],
    cache: Cache | None = None,
) -> dict[str, dict[str, int]]:
    """Day label → metric → count, for every day asked; `defaults` are the live `default`
    rules' names. With a cache, today's live counts are shared for `TODAY_TTL_S` (a day
    of events is the costliest part)."""
    labels = [day.label for day in days]
    found: dict[str, dict[str, int]] = {}
    async with sessions() as session:
        rows = await session.execute(
            select(DailyCount.day, DailyCount.metric, DailyCount.value).where(
                DailyCount.day.in_(labels)
            )
        )
        for label, metric, value in rows:
            found.setdefault(label, {})[metric] = value
    for day in days:
        if not day.finished and cache is not None:
            cached = await cache.get(_today_key(day))
            if cached is not None:
                found[day.label] = json.loads(cached)
    # A day counts as stored only with every metric: rows of an earlier release (other
    # metric names) are counted again.
    missing = [day for day in days if not set(METRICS) <= set(found.get(day.label, {}))]
    if not missing:
        return found
    async with sessions.begin() as session:
        for day in missing:
            counts = await _count_day(session, day, defaults)
            found[day.label] = counts
            if not day.finished and cache is not None:
                await cache.set(_today_key(day), json.dumps(counts), ttl_s=TODAY_TTL_S)
            if day.finished:
                # Two processes may count the same day at once: the first row wins, both agree.
                connection = await session.connection()
                statement = insert_or_skip(connection, DailyCount, ("day", "metric"))
                await connection.execute(
                    statement,
                    [{"day": day.label, "metric": m, "value": v} for m, v in counts.items()],
                )
    return found
