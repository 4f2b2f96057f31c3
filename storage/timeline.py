"""A profile's timeline: every tag change, point entry, merge and identity link, in order.

Tags and points are also written outside the tagging step (the dispatcher's
keyword rules, lead scoring); `catch_up` records those from their rows, keyed
by `ref`, so each appears exactly once whoever notices it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PointEntry, ProfileTag
from storage.tagging_models import TimelineEntry
from storage.upsert import insert_unless_exists

TAG_ADDED = "tag_added"
TAG_REMOVED = "tag_removed"
TAG_EXPIRED = "tag_expired"
POINTS = "points"
MERGED = "merged"
IDENTITY_LINKED = "identity_linked"
PHONE = "phone"
WECHAT_ID = "wechat_id"
CHANNEL = "channel"
SUBSCRIBED = "subscribed"
UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class Change:
    """One timeline entry to write."""

    kind: str
    at: datetime
    tag: str | None = None
    points: int | None = None
    source: str | None = None
    detail: str | None = None
    ref: str | None = None


async def record(session: AsyncSession, profile_id: int, change: Change) -> bool:
    """Write `change`; False when an entry with the same `ref` already exists."""
    values = {
        "profile_id": profile_id,
        "at": change.at,
        "kind": change.kind,
        "tag": change.tag,
        "points": change.points,
        "source": change.source,
        "detail": change.detail,
        "ref": change.ref,
    }
    if change.ref is None:
        session.add(TimelineEntry(**values))
        return True
    table = TimelineEntry.__table__
    return await insert_unless_exists(session, table, values, ("ref",)) is not None  # type: ignore[arg-type]


async def catch_up(session: AsyncSession, profile_id: int) -> list[str]:
    """Record tags and points of the profile that have no entry yet; the tags newly recorded."""
    refs = set(
        await session.scalars(
            select(TimelineEntry.ref).where(
                TimelineEntry.profile_id == profile_id, TimelineEntry.ref.is_not(None)
            )
        )
    )
    recorded: list[str] = []
    tags = await session.execute(
        select(ProfileTag.id, ProfileTag.tag, ProfileTag.source, ProfileTag.created_at).where(
            ProfileTag.profile_id == profile_id
        )
    )
    for row in tags:
        change = Change(TAG_ADDED, row.created_at, tag=row.tag, source=row.source)
        if f"tag:{row.id}" not in refs and await record(
            session, profile_id, _with_ref(change, f"tag:{row.id}")
        ):
            recorded.append(row.tag)
    points = await session.execute(
        select(PointEntry.id, PointEntry.points, PointEntry.reason, PointEntry.created_at).where(
            PointEntry.profile_id == profile_id
        )
    )
    for entry in points:
        if f"point:{entry.id}" not in refs:
            change = Change(POINTS, entry.created_at, points=entry.points, source=entry.reason)
            await record(session, profile_id, _with_ref(change, f"point:{entry.id}"))
    return recorded


def _with_ref(change: Change, ref: str) -> Change:
    return Change(change.kind, change.at, change.tag, change.points, change.source, None, ref)


async def history(session: AsyncSession, profile_id: int, limit: int = 50) -> list[TimelineEntry]:
    """The newest `limit` entries, oldest first."""
    rows = await session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.profile_id == profile_id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
