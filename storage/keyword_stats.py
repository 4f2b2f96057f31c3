"""Queries behind the keyword reports: missed messages, rule hits, variant exposures.

"Went on" signals for the A/B report: a menu click, a phone number left (the `留资`
tag or a phone entry on the timeline) or a lead created, per profile and time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from storage.database import SessionFactory
from storage.lead_models import Lead
from storage.models import InboundEvent, ProfileTag
from storage.records import MENU_EVENTS
from storage.tagging_models import TimelineEntry

PHONE_TAG = "留资"  # the tag the tagging rules give for a phone number
PHONE_TIMELINE_KIND = "phone"
TEXT_TYPES = ("text", "voice")
MAX_MISSES = 50_000  # newest first; enough to rank phrases, bounded memory


@dataclass(frozen=True)
class Exposure:
    """A follower got `variant` of `rule` at `at`."""

    rule: str
    variant: int
    profile_id: int
    at: datetime


def messages() -> ColumnElement[bool]:
    """What followers wrote: texts, and voice messages WeChat recognised as text."""
    return InboundEvent.msg_type.in_(TEXT_TYPES)


def unanswered(defaults: Collection[str]) -> ColumnElement[bool]:
    """Of `messages()`: those no rule matched (no rule, or only a `default` rule, whose
    names are `defaults`). The misses report and the dashboard's coverage both count this."""
    missed: ColumnElement[bool] = InboundEvent.rule.is_(None)
    if defaults:
        missed = or_(missed, InboundEvent.rule.in_(list(defaults)))
    return missed


async def missed_texts(
    sessions: SessionFactory, since: datetime, account: str | None, defaults: Collection[str]
) -> tuple[int, list[str]]:
    """How many messages no rule matched, and the newest `MAX_MISSES` of their texts."""
    where = [messages(), unanswered(defaults), InboundEvent.received_at >= since]
    if account is not None:
        where.append(InboundEvent.account == account)
    query = (
        select(InboundEvent.content)
        .where(*where)
        .order_by(InboundEvent.id.desc())
        .limit(MAX_MISSES)
    )
    async with sessions() as session:
        total = await session.scalar(select(func.count()).select_from(InboundEvent).where(*where))
        return int(total or 0), [content for content in await session.scalars(query) if content]


async def rule_hits(
    sessions: SessionFactory, since: datetime, account: str | None
) -> dict[str, int]:
    """Rule name → how many events it answered."""
    query = (
        select(InboundEvent.rule, func.count())
        .where(InboundEvent.rule.is_not(None), InboundEvent.received_at >= since)
        .group_by(InboundEvent.rule)
    )
    if account is not None:
        query = query.where(InboundEvent.account == account)
    async with sessions() as session:
        return {str(rule): int(count) for rule, count in await session.execute(query)}


async def exposures(
    sessions: SessionFactory, since: datetime, account: str | None
) -> list[Exposure]:
    """Every variant sent (random mode), oldest first."""
    query = (
        select(
            InboundEvent.rule,
            InboundEvent.variant,
            InboundEvent.profile_id,
            InboundEvent.received_at,
        )
        .where(
            InboundEvent.variant.is_not(None),
            InboundEvent.rule.is_not(None),
            InboundEvent.received_at >= since,
        )
        .order_by(InboundEvent.received_at, InboundEvent.id)
    )
    if account is not None:
        query = query.where(InboundEvent.account == account)
    async with sessions() as session:
        return [
            Exposure(str(rule), variant, int(profile), at)
            for rule, variant, profile, at in await session.execute(query)
            # An event the effects stage has not applied yet has no profile yet.
            if variant is not None and profile is not None
        ]


async def went_on_times(
    sessions: SessionFactory, profile_ids: Sequence[int], since: datetime
) -> dict[int, list[datetime]]:
    """Profile → the times it clicked a menu, left a phone number or became a lead."""
    found: dict[int, list[datetime]] = {}
    ids = sorted(set(profile_ids))
    if not ids:
        return found
    queries = [
        select(InboundEvent.profile_id, InboundEvent.received_at).where(
            InboundEvent.event.in_(sorted(MENU_EVENTS)), InboundEvent.received_at >= since
        ),
        select(ProfileTag.profile_id, ProfileTag.created_at).where(
            ProfileTag.tag == PHONE_TAG, ProfileTag.created_at >= since
        ),
        select(TimelineEntry.profile_id, TimelineEntry.at).where(
            TimelineEntry.kind == PHONE_TIMELINE_KIND, TimelineEntry.at >= since
        ),
        select(Lead.profile_id, Lead.created_at).where(Lead.created_at >= since),
    ]
    async with sessions() as session:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for query in queries:
                column = query.selected_columns[0]
                for profile_id, at in await session.execute(query.where(column.in_(chunk))):
                    if profile_id is not None:
                        found.setdefault(int(profile_id), []).append(at)
    return found


_CHUNK = 500  # bound the IN list (SQLite allows at most 32 766 parameters)
