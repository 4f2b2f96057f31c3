"""The rule kinds: counters over a window, tiers on a metric, first/last touch, expiry.

Each function changes one profile's tags inside the caller's transaction and
notes what changed in `Changes`, which decides what is mirrored to WeChat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundEvent, PointEntry, Profile
from storage.profile_tags import (
    add_points,
    add_tag,
    expire_due,
    remove_tag,
    set_expiry_where_missing,
    tags_of,
)
from storage.records import MENU_EVENTS
from tagging.rules import Category, CounterRule, EventKind, Metric, RuleSet, TierRule, TouchRule


@dataclass
class Changes:
    """What one evaluation did to a profile's tags, for mirroring."""

    added: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    full_sync: bool = False  # a merge or a new identity: mirror every tag

    def add(self, tag: str, done: bool) -> None:
        if done:
            self.added.add(tag)
            self.removed.discard(tag)

    def remove(self, tag: str, done: bool) -> None:
        if done:
            self.removed.add(tag)
            self.added.discard(tag)

    def merge(self, earlier: Changes) -> None:
        """Fold in what an absorbed profile's evaluation changed before a merge."""
        self.added |= earlier.added - self.removed
        self.removed |= earlier.removed - self.added
        self.full_sync = self.full_sync or earlier.full_sync


async def apply_counter(
    session: AsyncSession,
    profile_id: int,
    rule: CounterRule,
    now: datetime,
    changes: Changes,
) -> None:
    since = now - timedelta(days=rule.within_days)
    query = (
        select(func.count())
        .select_from(InboundEvent)
        .where(InboundEvent.profile_id == profile_id, InboundEvent.sent_at >= since)
    )
    if rule.event is EventKind.TEXT:
        query = query.where(InboundEvent.msg_type.in_(("text", "voice")))
        if rule.key:
            query = query.where(InboundEvent.content.contains(rule.key, autoescape=True))
    else:
        events = sorted(MENU_EVENTS) if rule.event is EventKind.CLICK else [rule.event.value]
        query = query.where(InboundEvent.msg_type == "event", InboundEvent.event.in_(events))
        if rule.key:
            query = query.where(InboundEvent.event_key == rule.key)
    if int(await session.scalar(query) or 0) < rule.at_least:
        return
    expires = now + timedelta(days=rule.expires_days) if rule.expires_days else None
    added = await add_tag(
        session,
        profile_id,
        rule.tag,
        category=rule.category,
        source=f"counter:{rule.name}",
        at=now,
        expires_at=expires,
    )
    changes.add(rule.tag, added)
    if added:
        await add_points(session, profile_id, rule.points, reason=f"counter:{rule.name}", at=now)


async def apply_profile_rules(
    rules: RuleSet,
    session: AsyncSession,
    profile_ids: Sequence[int],
    now: datetime,
    changes: Mapping[int, Changes],
) -> None:
    """Expiry, tiers and touch tags of these profiles; one expiry query for all of them."""
    if not profile_ids:
        return
    expiry_days = rules.expiry_days()
    if expiry_days:
        for profile_id in profile_ids:
            await set_expiry_where_missing(session, profile_id, expiry_days)
    for item in await expire_due(session, now, profile_ids=profile_ids):
        changes[item.profile_id].remove(item.tag, done=True)
    if not rules.tiers and rules.touch.first is None and rules.touch.last is None:
        return
    for profile_id in profile_ids:
        metrics: dict[tuple[Metric, int], int] = {}
        for tier in rules.tiers:
            key = (tier.metric, tier.within_days)
            if key not in metrics:
                metrics[key] = await _metric(session, profile_id, tier, now)
            await _tier(
                session, profile_id, tier, metrics[key], now=now, changes=changes[profile_id]
            )
        await _touch(rules.touch, session, profile_id, now, changes[profile_id])


async def _metric(session: AsyncSession, profile_id: int, tier: TierRule, now: datetime) -> int:
    since = now - timedelta(days=tier.within_days)
    if tier.metric is Metric.POINTS:
        query = select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.profile_id == profile_id, PointEntry.created_at >= since
        )
    else:
        query = (
            select(func.count())
            .select_from(InboundEvent)
            .where(InboundEvent.profile_id == profile_id, InboundEvent.sent_at >= since)
        )
    return int(await session.scalar(query) or 0)


async def _tier(
    session: AsyncSession,
    profile_id: int,
    tier: TierRule,
    value: int,
    *,
    now: datetime,
    changes: Changes,
) -> None:
    wanted = tier.tag_for(value)
    source = f"tier:{tier.name}"
    for tag in tier.tags - {wanted}:
        changes.remove(tag, await remove_tag(session, profile_id, tag, source=source, at=now))
    if wanted is not None:
        added = await add_tag(
            session, profile_id, wanted, category=tier.category, source=source, at=now
        )
        changes.add(wanted, added)


async def _touch(
    touch: TouchRule, session: AsyncSession, profile_id: int, now: datetime, changes: Changes
) -> None:
    profile = await session.get(Profile, profile_id)
    if profile is None or (touch.first is None and touch.last is None):
        return
    current = {tag.tag for tag in await tags_of(session, profile_id)}
    for template, channel in (
        (touch.first, profile.first_channel),
        (touch.last, profile.last_channel),
    ):
        if template is None:
            continue
        wanted = touch.tag(template, channel)
        prefix, _, suffix = template.partition("{channel}")
        source = "touch:first" if template == touch.first else "touch:last"
        for tag in current:
            if tag != wanted and tag.startswith(prefix) and tag.endswith(suffix):
                changes.remove(
                    tag, await remove_tag(session, profile_id, tag, source=source, at=now)
                )
        if wanted is not None:
            added = await add_tag(
                session, profile_id, wanted, category=Category.ATTRIBUTE, source=source, at=now
            )
            changes.add(wanted, added)
