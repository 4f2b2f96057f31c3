"""The dashboard's figures over a period.

Per-day counts come from `storage.daily_counts` (a row per finished day, today live);
the funnel's two totals (followers, tagged) are full counts, cached for five minutes;
the lead figures are the period's leads, on the `created_at` index.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from keywords.hours import shanghai
from storage.cache import Cache
from storage.daily_counts import Day, daily_counts
from storage.database import SessionFactory
from storage.lead_models import Lead
from storage.models import Profile, ProfileTag

PERIODS = (7, 14, 30, 90)
TOTALS_KEY = "admin:funnel_totals"
TOTALS_TTL_S = 300
MEDIAN_SAMPLE = 5000  # claims measured for the median: plenty for a stable figure


@dataclass(frozen=True)
class Figures:
    days: list[str]
    messages: list[int]
    follows: list[int]
    matched: int
    missed: int
    funnel: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_owner: list[tuple[str, int]]
    median_claim_minutes: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "days": self.days, "messages": self.messages, "follows": self.follows,
            "matched": self.matched, "missed": self.missed,
            "funnel": [{"name": n, "value": v} for n, v in self.funnel],
            "by_channel": [{"name": n, "value": v} for n, v in self.by_channel],
            "by_owner": [{"name": n, "value": v} for n, v in self.by_owner],
        }  # fmt: skip


async def _totals(session: AsyncSession, cache: Cache) -> tuple[int, int]:
    """Followers and tagged followers: full counts, so shared for a few minutes through
    the cache (every process and every period reads the same two numbers)."""
    cached = await cache.get(TOTALS_KEY)
    if cached is not None:
        followers, tagged = json.loads(cached)
        return int(followers), int(tagged)
    followers = await session.scalar(
        select(func.count()).select_from(Profile).where(Profile.merged_into_id.is_(None))
    )
    tagged = await session.scalar(select(func.count(func.distinct(ProfileTag.profile_id))))
    totals = (int(followers or 0), int(tagged or 0))
    await cache.set(TOTALS_KEY, json.dumps(totals), ttl_s=TOTALS_TTL_S)
    return totals


async def dashboard_figures(
    sessions: SessionFactory, cache: Cache, now: datetime, days: int
) -> Figures:
    since = now - timedelta(days=days)
    local_today = now.astimezone(shanghai()).replace(hour=0, minute=0, second=0, microsecond=0)
    periods = [
        Day(
            label=(local_today - timedelta(days=back)).strftime("%Y-%m-%d"),
            start=local_today - timedelta(days=back),
            end=local_today - timedelta(days=back - 1),
            finished=back > 0,
        )
        for back in range(days - 1, -1, -1)
    ]
    counts = await daily_counts(sessions, periods, cache)
    labels = [day.label[5:] for day in periods]
    messages = [counts[day.label]["messages"] for day in periods]
    follows = [counts[day.label]["follows"] for day in periods]
    matched = sum(counts[day.label]["matched"] for day in periods)
    missed = sum(counts[day.label]["missed"] for day in periods)
    async with sessions() as session:
        followers, tagged = await _totals(session, cache)
        lead_counts = (
            await session.execute(
                select(
                    func.count(),
                    func.count(Lead.claimed_at),
                    func.sum(case((Lead.state == "won", 1), else_=0)),
                ).where(Lead.created_at >= since)
            )
        ).one()
        by_channel = await session.execute(
            select(func.coalesce(Lead.channel, "-"), func.count())
            .where(Lead.created_at >= since).group_by(Lead.channel)
            .order_by(func.count().desc()).limit(12)
        )  # fmt: skip
        by_owner = await session.execute(
            select(func.coalesce(Lead.owner, "公海"), func.count())
            .where(Lead.created_at >= since).group_by(Lead.owner)
            .order_by(func.count().desc()).limit(20)
        )  # fmt: skip
        claims = await session.execute(
            select(Lead.created_at, Lead.claimed_at)
            .where(Lead.created_at >= since, Lead.claimed_at.is_not(None))
            .order_by(Lead.id.desc()).limit(MEDIAN_SAMPLE)
        )  # fmt: skip
        waits = [
            (claimed - created).total_seconds() / 60
            for created, claimed in claims
            if claimed is not None
        ]
    return Figures(
        days=labels,
        messages=messages,
        follows=follows,
        matched=matched,
        missed=missed,
        funnel=[
            ("followers", followers),
            ("tagged", tagged),
            ("qualified", int(lead_counts[0] or 0)),
            ("claimed", int(lead_counts[1] or 0)),
            ("won", int(lead_counts[2] or 0)),
        ],
        by_channel=[(str(n), int(c)) for n, c in by_channel],
        by_owner=[(str(n), int(c)) for n, c in by_owner],
        median_claim_minutes=round(statistics.median(waits), 1) if waits else None,
    )
