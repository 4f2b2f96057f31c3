"""The dashboard's figures over a period.

Per-day counts come from `storage.daily_counts` (a row per finished day, today live),
counted as the misses report counts (voice included; a `default` rule's reply is no
answer). The funnel's two totals (followers, tagged) are full counts, cached for five
minutes; the lead figures are the period's leads, on the `created_at` index. Channels
and salespeople come as keys (None: no channel, the pool): the page names them.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Collection
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
TOP_CHANNELS = 12
TOP_OWNERS = 20


@dataclass(frozen=True)
class Figures:
    """What the dashboard shows for a period; `funnel` in order, by stage code."""

    days: list[str]
    messages: list[int]
    follows: list[int]
    answered: int
    unanswered: int
    funnel: list[tuple[str, int]]
    by_channel: list[tuple[str | None, int]]
    by_owner: list[tuple[str | None, int]]
    median_claim: timedelta | None

    @property
    def received(self) -> int:
        return self.answered + self.unanswered

    @property
    def leads(self) -> int:
        return dict(self.funnel)["qualified"]


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


async def _leads_by_channel(session: AsyncSession, since: datetime) -> list[tuple[str | None, int]]:
    """The period's leads by channel, the most first. A lead made before its person's
    first scan has no channel of its own: it counts under the person's first channel,
    as the lead's page shows it. Two statements, so the join with profiles is made for
    those leads only (joining every lead read all profiles: 520 ms at bench scale 1)."""
    counts: Counter[str | None] = Counter()
    own = await session.execute(
        select(Lead.channel, func.count())
        .where(Lead.created_at >= since, Lead.channel.is_not(None)).group_by(Lead.channel)
    )  # fmt: skip
    borrowed = await session.execute(
        select(Profile.first_channel, func.count())
        .join(Lead, Lead.profile_id == Profile.id)
        .where(Lead.created_at >= since, Lead.channel.is_(None)).group_by(Profile.first_channel)
    )  # fmt: skip
    for key, n in [*own, *borrowed]:
        counts[None if key is None else str(key)] += int(n)
    return counts.most_common(TOP_CHANNELS)


def period_days(now: datetime, days: int) -> list[Day]:
    """The period's calendar days in the team's timezone, today last."""
    local_today = now.astimezone(shanghai()).replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        Day(
            label=(local_today - timedelta(days=back)).strftime("%Y-%m-%d"),
            start=local_today - timedelta(days=back),
            end=local_today - timedelta(days=back - 1),
            finished=back > 0,
        )
        for back in range(days - 1, -1, -1)
    ]


async def dashboard_figures(
    sessions: SessionFactory,
    cache: Cache,
    now: datetime,
    days: int,
    defaults: Collection[str],
) -> Figures:
    """The figures of the last `days` calendar days; `defaults`: the live default rules."""
    periods = period_days(now, days)
    since = periods[0].start
    counts = await daily_counts(sessions, periods, defaults, cache)
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
        by_channel = await _leads_by_channel(session, since)
        by_owner = await session.execute(
            select(Lead.owner, func.count())
            .where(Lead.created_at >= since).group_by(Lead.owner)
            .order_by(func.count().desc()).limit(TOP_OWNERS)
        )  # fmt: skip
        claims = await session.execute(
            select(Lead.created_at, Lead.claimed_at)
            .where(Lead.created_at >= since, Lead.claimed_at.is_not(None))
            .order_by(Lead.id.desc()).limit(MEDIAN_SAMPLE)
        )  # fmt: skip
        waits = [(claimed - created).total_seconds() for created, claimed in claims if claimed]
    return Figures(
        days=[day.label[5:] for day in periods],
        messages=[counts[day.label]["received"] for day in periods],
        follows=[counts[day.label]["follows"] for day in periods],
        answered=sum(counts[day.label]["answered"] for day in periods),
        unanswered=sum(counts[day.label]["unanswered"] for day in periods),
        funnel=[
            ("followers", followers),
            ("tagged", tagged),
            ("qualified", int(lead_counts[0] or 0)),
            ("claimed", int(lead_counts[1] or 0)),
            ("won", int(lead_counts[2] or 0)),
        ],
        by_channel=by_channel,
        by_owner=[(None if key is None else str(key), int(n)) for key, n in by_owner],
        median_claim=timedelta(seconds=statistics.median(waits)) if waits else None,
    )
