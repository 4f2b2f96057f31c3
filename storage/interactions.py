"""Recording one accepted callback and everything it caused, in one transaction.

The callback edge answers WeChat only after this commit, so an accepted message,
its tags, points and follow-up API calls survive a crash right after the answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Identity, OutboxJob, PointEntry, Profile, ProfileTag
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


async def _identity_profile(
    connection: AsyncConnection, kind: str, app: str, value: str
) -> int | None:
    return await connection.scalar(
        select(Identity.profile_id).where(
            Identity.kind == kind, Identity.app == app, Identity.value == value
        )
    )


async def resolve_profile(session: AsyncSession, kind: str, app: str, value: str) -> int:
    """The profile id behind an identity, creating both on first sight."""
    connection = await session.connection()
    found = await _identity_profile(connection, kind, app, value)
    if found is not None:
        return found
    now = utc_now()
    profile_id = await connection.scalar(
        insert(Profile).values(score=0, created_at=now, updated_at=now).returning(Profile.id)
    )
    assert profile_id is not None  # noqa: S101 - INSERT … RETURNING always returns the row
    identity_id = await insert_unless_exists(
        session,
        Identity.__table__,  # type: ignore[arg-type]
        {
            "profile_id": profile_id,
            "kind": kind,
            "app": app,
            "value": value,
            "created_at": now,
            "last_seen_at": now,
            "subscribed": True,
        },
        ("kind", "app", "value"),
    )
    if identity_id is not None:
        return int(profile_id)
    # Another request created this identity between our select and insert.
    await connection.execute(delete(Profile).where(Profile.id == profile_id))
    winner = await _identity_profile(connection, kind, app, value)
    if winner is None:
        raise RuntimeError(f"identity {kind}:{app} vanished during creation")
    return winner


async def grant_tags(session: AsyncSession, profile_id: int, tags: Sequence[TagGrant]) -> list[str]:
    """Add tags the profile does not have yet; returns the ones newly added."""
    if not tags:
        return []
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    now = utc_now()
    rows = [
        {
            "profile_id": profile_id,
            "tag": grant.tag,
            "category": grant.category,
            "source": grant.source,
            "created_at": now,
        }
        for grant in {grant.tag: grant for grant in tags}.values()
    ]
    added = await connection.execute(
        dialect.insert(ProfileTag)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["profile_id", "tag"])
        .returning(ProfileTag.tag)
    )
    return [str(tag) for tag in added.scalars()]


async def grant_points(session: AsyncSession, profile_id: int, points: Sequence[PointGrant]) -> int:
    """Record point entries and bump the profile's total; returns the points added."""
    if not points:
        return 0
    connection = await session.connection()
    now = utc_now()
    await connection.execute(
        insert(PointEntry).values(
            [
                {
                    "profile_id": profile_id,
                    "points": grant.points,
                    "reason": grant.reason,
                    "created_at": now,
                }
                for grant in points
            ]
        )
    )
    total = sum(grant.points for grant in points)
    await connection.execute(
        update(Profile)
        .where(Profile.id == profile_id)
        .values(score=Profile.score + total, updated_at=now)
    )
    return total


def job_rows(jobs: Sequence[JobRequest], due: datetime) -> list[dict[str, object]]:
    """Outbox rows for `jobs`, due at `due`."""
    return [
        {
            "kind": job.kind,
            "target": job.target,
            "payload": json.dumps(job.payload, ensure_ascii=False),
            "dedup_key": job.dedup_key,
            "status": job.status,
            "last_error": job.note,
            "next_attempt_at": due,
            "created_at": due,
        }
        for job in jobs
    ]


def add_jobs(
    session: AsyncSession, jobs: Sequence[JobRequest], now: datetime | None = None
) -> None:
    """Add outbox rows to the session's transaction, due at once (`now`, default: real time)."""
    session.add_all(OutboxJob(**row) for row in job_rows(jobs, now or utc_now()))
