"""Appending events as the dispatcher does and applying them (tagging step), on a test clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import event_streams
from bot.effects.stage import EffectsStage
from bot.metrics import Metrics
from storage.database import SessionFactory
from storage.event_log import append_events, event_rows
from storage.jobs import JobKind
from storage.models import Identity, Profile, ProfileTag
from storage.outbox import Outbox
from storage.records import Decision, InboundRecord, PointGrant, TagGrant
from storage.tagging_models import TimelineEntry
from tagging.rules import RuleSet
from tagging.rules_file import parse_rules
from tagging.step import Tagging
from tests.bot.effects.stage_helpers import engine_of

# Now, not a fixed date: the dispatcher stamps keyword points with the real time.
START = datetime.now(UTC).replace(microsecond=0)
_ids = itertools.count(1)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def tagging_with(rules_toml: str, clock: Clock) -> Tagging:
    rules = parse_rules(rules_toml) if rules_toml else RuleSet()
    return Tagging(rules, clock)


async def feed(
    sessions: SessionFactory,
    tagging: Tagging,
    *,
    openid: str = "o_alice",
    account: str = "main",
    msg_type: str = "event",
    event: str | None = None,
    key: str | None = None,
    content: str | None = None,
    tags: tuple[str, ...] = (),
    points: int = 0,
    channel: str | None = None,
    subscribed: bool | None = None,
) -> int:
    """Append one event (a keyword rule's tags and points, as dispatched) and apply it."""
    dedup_key = f"{account}:test:{next(_ids)}"
    now = tagging.now()
    record = InboundRecord(
        dedup_key=dedup_key,
        account=account,
        openid=openid,
        msg_type=msg_type,
        event=event,
        event_key=key,
        content=content,
        msg_id=None,
        sent_at=now,
    )
    effects = Decision(
        rule="kw" if tags or points else None,
        tags=tuple(TagGrant(tag, "keyword:kw") for tag in tags),
        points=(PointGrant(points, "keyword:kw"),) if points else (),
        channel=channel,
        subscribed=subscribed,
    )
    await append_events(engine_of(sessions), event_rows([(record, effects)], now))
    await apply_pending(sessions, tagging)
    profile_id = await profile_of(sessions, openid, account)
    assert profile_id is not None
    return profile_id


async def apply_pending(sessions: SessionFactory, tagging: Tagging) -> int:
    """Run the effects stage (tagging only, no leads) until nothing is pending."""
    stage = EffectsStage(sessions, event_streams(tagging, None), Metrics(), clock=tagging.now)
    try:
        return await stage.drain()
    finally:
        await stage.stop()


async def click(
    sessions: SessionFactory, tagging: Tagging, key: str, openid: str = "o_alice"
) -> int:
    return await feed(sessions, tagging, event="click", key=key, openid=openid)


async def text(
    sessions: SessionFactory, tagging: Tagging, content: str, openid: str = "o_alice"
) -> int:
    return await feed(sessions, tagging, msg_type="text", content=content, openid=openid)


async def tags(sessions: SessionFactory, profile_id: int) -> dict[str, ProfileTag]:
    async with sessions() as session:
        rows = await session.scalars(select(ProfileTag).where(ProfileTag.profile_id == profile_id))
        return {row.tag: row for row in rows}


async def timeline(sessions: SessionFactory, profile_id: int) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.profile_id == profile_id)
            .order_by(TimelineEntry.id)
        )
        return [(row.kind, row.tag or row.detail) for row in rows]


async def profile(sessions: SessionFactory, profile_id: int) -> Profile:
    async with sessions() as session:
        found = await session.get(Profile, profile_id)
        assert found is not None
        return found


async def profile_of(sessions: SessionFactory, openid: str, account: str = "main") -> int | None:
    async with sessions() as session:
        return await session.scalar(
            select(Identity.profile_id).where(Identity.app == account, Identity.value == openid)
        )


async def pending_jobs(sessions: SessionFactory, kind: JobKind[Any]) -> list[dict[str, object]]:
    outbox = Outbox(sessions, lambda: START + timedelta(days=3650))
    jobs = await outbox.claim(1000, lease_s=1)
    return [{"target": job.target, **job.payload} for job in jobs if job.kind == kind.name]
