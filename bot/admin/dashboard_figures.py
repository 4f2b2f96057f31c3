"""The dashboard's figures over a period, each one bounded query.

Per-day counts group the period's events by day on the `received_at` index; the
funnel counts profiles, tagged profiles and leads. At the bench's scale these are
the slowest queries of the site (see bench/admin.py).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from keywords.hours import shanghai
from storage.database import SessionFactory
from storage.lead_models import Lead
from storage.models import InboundEvent, Profile, ProfileTag

PERIODS = (7, 14, 30, 90)
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


async def dashboard_figures(sessions: SessionFactory, now: datetime, days: int) -> Figures:
    since = now - timedelta(days=days)
    labels = [(now - timedelta(days=days - 1 - i)).astimezone(shanghai()).strftime("%m-%d")
              for i in range(days)]  # fmt: skip
    messages = dict.fromkeys(labels, 0)
    follows = dict.fromkeys(labels, 0)
    async with sessions() as session:
        rows = await session.execute(
            select(InboundEvent.received_at, InboundEvent.msg_type, InboundEvent.event,
                   InboundEvent.rule)
            .where(InboundEvent.received_at >= since)
        )  # fmt: skip
        matched = missed = 0
        for at, msg_type, event, rule in rows:
            day = at.astimezone(shanghai()).strftime("%m-%d")
            if msg_type == "text":
                messages[day] = messages.get(day, 0) + 1
                matched, missed = (matched + 1, missed) if rule else (matched, missed + 1)
            elif event == "subscribe":
                follows[day] = follows.get(day, 0) + 1
        followers = await session.scalar(
            select(func.count()).select_from(Profile).where(Profile.merged_into_id.is_(None))
        )
        tagged = await session.scalar(select(func.count(func.distinct(ProfileTag.profile_id))))
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
        messages=[messages[d] for d in labels],
        follows=[follows[d] for d in labels],
        matched=matched,
        missed=missed,
        funnel=[
            ("followers", int(followers or 0)),
            ("tagged", int(tagged or 0)),
            ("qualified", int(lead_counts[0] or 0)),
            ("claimed", int(lead_counts[1] or 0)),
            ("won", int(lead_counts[2] or 0)),
        ],
        by_channel=[(str(n), int(c)) for n, c in by_channel],
        by_owner=[(str(n), int(c)) for n, c in by_owner],
        median_claim_minutes=round(statistics.median(waits), 1) if waits else None,
    )
