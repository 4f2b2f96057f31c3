"""Recording one accepted callback and everything it caused, in one transaction.

The callback edge answers WeChat only after this commit, so an accepted message,
its tags, points and follow-up API calls survive a crash right after the answer.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Identity, OutboxJob, PointEntry, Profile, ProfileTag
from storage.types import utc_now
from storage.upsert import insert_or_skip


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
    # The reply XML sent (plaintext, "" for none): a retry of the callback gets it again.
    reply: str = ""


async def resolve_profile(session: AsyncSession, kind: str, app: str, value: str) -> int:
    """The profile id behind an identity, creating both on first sight."""
    return (await resolve_profiles(session, kind, [(app, value)]))[(app, value)]


async def resolve_profiles(
    session: AsyncSession, kind: str, wanted: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Profile ids by (app, value) of `kind` identities, creating the ones never seen.

    A few statements whatever the number: the dispatcher resolves a whole
    group-commit batch at once.
    """
    connection = await session.connection()
    found = await _identity_profiles(connection, kind, wanted)
    missing = sorted(set(wanted) - found.keys())
    if not missing:
        return found
    now = utc_now()
    new_profiles = await connection.execute(
        insert(Profile).returning(Profile.id, sort_by_parameter_order=True),
        [{"score": 0, "created_at": now, "updated_at": now}] * len(missing),
    )
    candidates = dict(zip(missing, new_profiles.scalars(), strict=True))
    created = await connection.execute(
        insert_or_skip(connection, Identity, ("kind", "app", "value")).returning(
            Identity.app, Identity.value, Identity.profile_id
        ),
        [
            {
                "profile_id": profile_id,
                "kind": kind,
                "app": app,
                "value": value,
                "created_at": now,
                "last_seen_at": now,
                "subscribed": True,
            }
            for (app, value), profile_id in candidates.items()
        ],
    )
    found.update({(app, value): profile_id for app, value, profile_id in created})
    lost = [key for key in missing if key not in found]
    if lost:
        # Another request created these identities between our select and insert.
        orphans = [candidates[key] for key in lost]
        await connection.execute(delete(Profile).where(Profile.id.in_(orphans)))
        found.update(await _identity_profiles(connection, kind, lost))
        if any(key not in found for key in lost):
            raise RuntimeError(f"{kind} identities vanished during creation")
    return found


async def _identity_profiles(
    connection: AsyncConnection, kind: str, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    rows = await connection.execute(
        select(Identity.app, Identity.value, Identity.profile_id).where(
            Identity.kind == kind, tuple_(Identity.app, Identity.value).in_(keys)
        )
    )
    return {(app, value): profile_id for app, value, profile_id in rows}


async def grant_tags(session: AsyncSession, profile_id: int, tags: Sequence[TagGrant]) -> list[str]:
    """Add tags the profile does not have yet; returns the ones newly added."""
    if not tags:
        return []
    connection = await session.connection()
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
        insert_or_skip(connection, ProfileTag, ("profile_id", "tag")).returning(ProfileTag.tag),
        rows,
    )
    return [str(tag) for tag in added.scalars()]


async def grant_points(session: AsyncSession, profile_id: int, points: Sequence[PointGrant]) -> int:
    """Record point entries and bump the profile's total; returns the points added."""
    if not points:
        return 0
    connection = await session.connection()
    now = utc_now()
    await connection.execute(
        insert(PointEntry),
        [
            {"profile_id": profile_id, "points": g.points, "reason": g.reason, "created_at": now}
            for g in points
        ],
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
