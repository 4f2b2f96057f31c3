"""Tags on a profile, with expiry, each change written to the timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import insert_new_rows, insert_rows, update_rows
from storage.id_filter import one_of
from storage.models import PointEntry, Profile, ProfileTag
from storage.records import PointGrant, TagGrant
from storage.timeline import (
    POINTS,
    TAG_ADDED,
    TAG_EXPIRED,
    TAG_REMOVED,
    Change,
    record,
    record_many,
)


@dataclass(frozen=True)
class ExpiredTag:
    profile_id: int
    tag: str


async def tags_of(session: AsyncSession, profile_id: int) -> list[ProfileTag]:
    rows = await session.scalars(
        select(ProfileTag).where(ProfileTag.profile_id == profile_id).order_by(ProfileTag.id)
    )
    return list(rows)


async def grant_tags(
    session: AsyncSession,
    grants: Sequence[tuple[int, TagGrant]],
    *,
    at: datetime,
    expires_at: datetime | None = None,
) -> list[tuple[int, str]]:
    """Give tags the profiles lack, each with its timeline entry; the (profile, tag) pairs added.

    The one writer of tags: a handful of statements for any number of grants.
    """
    chosen = {(profile_id, grant.tag): grant for profile_id, grant in grants}
    if not chosen:
        return []
    connection = await session.connection()
    added = await insert_new_rows(
        connection,
        ProfileTag,
        [
            {
                "profile_id": profile_id,
                "tag": tag,
                "category": grant.category,
                "source": grant.source,
                "created_at": at,
                "expires_at": expires_at,
            }
            for (profile_id, tag), grant in chosen.items()
        ],
        unique=("profile_id", "tag"),
        returning=("profile_id", "tag"),
    )
    new = [(row.profile_id, row.tag) for row in added]
    await record_many(
        session,
        [
            (pid, Change(TAG_ADDED, at, tag=tag, source=chosen[(pid, tag)].source))
            for pid, tag in new
        ],
    )
    return new


async def add_tag(
    session: AsyncSession,
    profile_id: int,
    tag: str,
    *,
    category: str,
    source: str,
    at: datetime,
    expires_at: datetime | None = None,
) -> bool:
    """Give the tag; True when it is new. Given again, a later expiry is pushed out."""
    grant = TagGrant(tag=tag, source=source, category=category)
    if await grant_tags(session, [(profile_id, grant)], at=at, expires_at=expires_at):
        return True
    if expires_at is not None:
        # A behaviour seen again keeps its tag alive (never shortens a longer one).
        await session.execute(
            update(ProfileTag)
            .where(
                ProfileTag.profile_id == profile_id,
                ProfileTag.tag == tag,
                ProfileTag.expires_at.is_not(None),
                ProfileTag.expires_at < expires_at,
            )
            .values(expires_at=expires_at)
        )
    return False


async def remove_tag(
    session: AsyncSession,
    profile_id: int,
    tag: str,
    *,
    source: str,
    at: datetime,
    expired: bool = False,
) -> bool:
    """Take the tag away; True when the profile had it."""
    gone = await session.execute(
        delete(ProfileTag)
        .where(ProfileTag.profile_id == profile_id, ProfileTag.tag == tag)
        .returning(ProfileTag.id)
    )
    if gone.first() is None:
        return False
    kind = TAG_EXPIRED if expired else TAG_REMOVED
    await record(session, profile_id, Change(kind, at, tag=tag, source=source))
    return True


async def set_expiry_where_missing(
    session: AsyncSession, profile_id: int, days_by_tag: dict[str, int]
) -> None:
    """Give tags named in expiry rules (e.g. from keyword rows) their expiry date."""
    if not days_by_tag:
        return
    rows = await session.execute(
        select(ProfileTag.id, ProfileTag.tag, ProfileTag.created_at).where(
            ProfileTag.profile_id == profile_id,
            ProfileTag.expires_at.is_(None),
            ProfileTag.tag.in_(list(days_by_tag)),
        )
    )
    for row in rows.all():
        due = row.created_at + timedelta(days=days_by_tag[row.tag])
        await session.execute(
            update(ProfileTag).where(ProfileTag.id == row.id).values(expires_at=due)
        )


async def expire_due(
    session: AsyncSession,
    now: datetime,
    *,
    profile_ids: Collection[int] | None = None,
    limit: int = 500,
) -> list[ExpiredTag]:
    """Remove tags whose expiry has passed (of some profiles, or any); each one timelined.

    DELETE … RETURNING decides who expired a tag, so two sweeping processes
    never both record (or sync) the same expiry.
    """
    connection = await session.connection()
    due = select(ProfileTag.id).where(ProfileTag.expires_at <= now)
    if profile_ids is not None:
        due = due.where(one_of(connection, ProfileTag.profile_id, list(profile_ids)))
    ids = list(await connection.scalars(due.order_by(ProfileTag.expires_at).limit(limit)))
    if not ids:
        return []
    rows = await session.execute(
        delete(ProfileTag)
        .where(ProfileTag.id.in_(ids), ProfileTag.expires_at <= now)
        .returning(ProfileTag.profile_id, ProfileTag.tag, ProfileTag.expires_at)
    )
    expired: list[ExpiredTag] = []
    for row in rows.all():
        change = Change(TAG_EXPIRED, row.expires_at, tag=row.tag, source="expiry")
        await record(session, row.profile_id, change)
        expired.append(ExpiredTag(row.profile_id, row.tag))
    return expired


async def grant_points(
    session: AsyncSession, grants: Sequence[tuple[int, PointGrant]], *, at: datetime
) -> None:
    """Point entries with their timeline entries, and each profile's new total.

    The one writer of points: a handful of statements for any number of grants.
    """
    grants = [(profile_id, grant) for profile_id, grant in grants if grant.points]
    if not grants:
        return
    connection = await session.connection()
    await insert_rows(
        connection,
        PointEntry,
        [{"profile_id": pid, "points": g.points, "reason": g.reason} for pid, g in grants],
        {"created_at": at},
    )
    totals: dict[int, int] = defaultdict(int)
    for profile_id, grant in grants:
        totals[profile_id] += grant.points
    await update_rows(
        connection,
        Profile,
        "id",
        [{"id": pid, "delta": delta} for pid, delta in totals.items()],
        lambda source: {"score": Profile.score + source["delta"], "updated_at": at},
        types={"delta": Integer()},
    )
    await record_many(
        session,
        [(pid, Change(POINTS, at, points=g.points, source=g.reason)) for pid, g in grants],
    )


async def add_points(
    session: AsyncSession, profile_id: int, points: int, *, reason: str, at: datetime
) -> None:
    """One point entry (see `grant_points`)."""
    await grant_points(session, [(profile_id, PointGrant(points, reason))], at=at)
