"""Tags on a profile, with expiry, each change written to the timeline."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PointEntry, Profile, ProfileTag
from storage.timeline import POINTS, TAG_ADDED, TAG_EXPIRED, TAG_REMOVED, Change, record
from storage.upsert import insert_unless_exists


@dataclass(frozen=True)
class ExpiredTag:
    profile_id: int
    tag: str


async def tags_of(session: AsyncSession, profile_id: int) -> list[ProfileTag]:
    rows = await session.scalars(
        select(ProfileTag).where(ProfileTag.profile_id == profile_id).order_by(ProfileTag.id)
    )
    return list(rows)


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
    values = {
        "profile_id": profile_id,
        "tag": tag,
        "category": category,
        "source": source,
        "created_at": at,
        "expires_at": expires_at,
    }
    table = ProfileTag.__table__
    tag_id = await insert_unless_exists(session, table, values, ("profile_id", "tag"))  # type: ignore[arg-type]
    if tag_id is None:
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
    change = Change(TAG_ADDED, at, tag=tag, source=source, ref=f"tag:{tag_id}")
    await record(session, profile_id, change)
    return True


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
    due = select(ProfileTag.id).where(ProfileTag.expires_at <= now)
    if profile_ids is not None:
        due = due.where(ProfileTag.profile_id.in_(list(profile_ids)))
    ids = list(await session.scalars(due.order_by(ProfileTag.expires_at).limit(limit)))
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


async def add_points(
    session: AsyncSession, profile_id: int, points: int, *, reason: str, at: datetime
) -> None:
    """A point entry (timelined now, so catch-up skips it) and the profile's new total."""
    if not points:
        return
    entry = PointEntry(profile_id=profile_id, points=points, reason=reason, created_at=at)
    session.add(entry)
    await session.flush()
    await session.execute(
        update(Profile).where(Profile.id == profile_id).values(score=Profile.score + points)
    )
    change = Change(POINTS, at, points=points, source=reason, ref=f"point:{entry.id}")
    await record(session, profile_id, change)
