"""Recording one accepted callback and everything it caused, in one transaction.

The callback edge answers WeChat only after this commit, so an accepted message,
its tags, points and follow-up API calls survive a crash right after the answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import SessionFactory
from storage.models import Identity, InboundEvent, OutboxJob, PointEntry, Profile, ProfileTag
from storage.types import utc_now
from storage.upsert import insert_unless_exists


@dataclass(frozen=True)
class InboundRecord:
    dedup_key: str
    account: str
    openid: str
    msg_type: str
    event: str | None
    event_key: str | None
    content: str | None
    msg_id: int | None
    sent_at: datetime


@dataclass(frozen=True)
class TagGrant:
    tag: str
    source: str
    category: str = "behavior"


@dataclass(frozen=True)
class PointGrant:
    points: int
    reason: str


@dataclass(frozen=True)
class JobRequest:
    """An outbox row; `status="skipped"` records a call deliberately not made, with why."""

    kind: str
    target: str
    payload: dict[str, object]
    dedup_key: str | None = None
    status: str = "pending"
    note: str | None = None


@dataclass(frozen=True)
class Effects:
    """What handling a callback changed, beyond the stored event itself."""

    rule: str | None = None
    variant: int | None = None
    tags: tuple[TagGrant, ...] = ()
    points: tuple[PointGrant, ...] = ()
    jobs: tuple[JobRequest, ...] = ()
    subscribed: bool | None = None
    channel: str | None = None


async def resolve_profile(session: AsyncSession, kind: str, app: str, value: str) -> int:
    """The profile id behind an identity, creating both on first sight."""
    found = await session.scalar(
        select(Identity.profile_id).where(
            Identity.kind == kind, Identity.app == app, Identity.value == value
        )
    )
    if found is not None:
        return found
    profile = Profile()
    session.add(profile)
    await session.flush()
    identity_id = await insert_unless_exists(
        session,
        Identity.__table__,  # type: ignore[arg-type]
        {"profile_id": profile.id, "kind": kind, "app": app, "value": value},
        ("kind", "app", "value"),
    )
    if identity_id is not None:
        return profile.id
    # Another request created this identity between our select and insert.
    await session.delete(profile)
    winner = await session.scalar(
        select(Identity.profile_id).where(
            Identity.kind == kind, Identity.app == app, Identity.value == value
        )
    )
    if winner is None:
        raise RuntimeError(f"identity {kind}:{app} vanished during creation")
    return winner


async def grant_tags(session: AsyncSession, profile_id: int, tags: Sequence[TagGrant]) -> list[str]:
    """Add tags the profile does not have yet; returns the ones newly added."""
    added: list[str] = []
    for grant in tags:
        tag_id = await insert_unless_exists(
            session,
            ProfileTag.__table__,  # type: ignore[arg-type]
            {
                "profile_id": profile_id,
                "tag": grant.tag,
                "category": grant.category,
                "source": grant.source,
                "created_at": utc_now(),
            },
            ("profile_id", "tag"),
        )
        if tag_id is not None:
            added.append(grant.tag)
    return added


async def grant_points(session: AsyncSession, profile_id: int, points: Sequence[PointGrant]) -> int:
    """Record point entries and bump the profile's total; returns the points added."""
    total = sum(grant.points for grant in points)
    if not points:
        return 0
    session.add_all(
        PointEntry(profile_id=profile_id, points=grant.points, reason=grant.reason)
        for grant in points
    )
    await session.execute(
        update(Profile).where(Profile.id == profile_id).values(score=Profile.score + total)
    )
    return total


def add_jobs(
    session: AsyncSession, jobs: Sequence[JobRequest], now: datetime | None = None
) -> None:
    """Add outbox rows, due at once (`now`, defaulting to the real time)."""
    due = now or utc_now()
    session.add_all(
        OutboxJob(
            kind=job.kind,
            target=job.target,
            payload=json.dumps(job.payload, ensure_ascii=False),
            dedup_key=job.dedup_key,
            status=job.status,
            last_error=job.note,
            next_attempt_at=due,
            created_at=due,
        )
        for job in jobs
    )


async def record_interaction(
    sessions: SessionFactory, record: InboundRecord, effects: Effects
) -> int | None:
    """Store the event and its effects atomically; None when it was stored before (a retry)."""
    async with sessions.begin() as session:
        profile_id = await resolve_profile(session, "openid", record.account, record.openid)
        event_id = await insert_unless_exists(
            session,
            InboundEvent.__table__,  # type: ignore[arg-type]
            {
                "dedup_key": record.dedup_key,
                "account": record.account,
                "openid": record.openid,
                "profile_id": profile_id,
                "msg_type": record.msg_type,
                "event": record.event,
                "event_key": record.event_key,
                "content": record.content,
                "msg_id": record.msg_id,
                "sent_at": record.sent_at,
                "received_at": utc_now(),
                "rule": effects.rule,
                "variant": effects.variant,
            },
            ("dedup_key",),
        )
        if event_id is None:
            await session.rollback()
            return None
        await apply_effects(session, record, profile_id, effects)
        return profile_id


async def record_late_effects(
    sessions: SessionFactory, record: InboundRecord, effects: Effects
) -> None:
    """Store what a handler that overran its deadline caused, after the event was stored."""
    async with sessions.begin() as session:
        profile_id = await resolve_profile(session, "openid", record.account, record.openid)
        await apply_effects(session, record, profile_id, effects)


async def apply_effects(
    session: AsyncSession, record: InboundRecord, profile_id: int, effects: Effects
) -> None:
    """Write tags, points, identity state and outbox jobs caused by one event."""
    await grant_tags(session, profile_id, effects.tags)
    await grant_points(session, profile_id, effects.points)
    add_jobs(session, effects.jobs)
    identity_changes: dict[str, object] = {"last_seen_at": utc_now()}
    if effects.subscribed is not None:
        identity_changes["subscribed"] = effects.subscribed
    await session.execute(
        update(Identity)
        .where(
            Identity.kind == "openid",
            Identity.app == record.account,
            Identity.value == record.openid,
        )
        .values(**identity_changes)
    )
    if effects.channel is not None:
        await session.execute(
            update(Profile)
            .where(Profile.id == profile_id)
            .values(
                last_channel=effects.channel,
                first_channel=func.coalesce(Profile.first_channel, effects.channel),
            )
        )
