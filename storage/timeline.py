"""A profile's timeline: every tag change, point entry, merge and identity link, in order.

Tags and points have one writer each (`storage.profile_tags`), which records
their entries in the same statement batch; `ref` keeps an entry unique.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import insert_rows
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


def _row(profile_id: int, change: Change) -> dict[str, object]:
    return {
        "profile_id": profile_id,
        "at": change.at,
        "kind": change.kind,
        "tag": change.tag,
        "points": change.points,
        "source": change.source,
        "detail": change.detail,
        "ref": change.ref,
    }


async def record(session: AsyncSession, profile_id: int, change: Change) -> bool:
    """Write `change`; False when an entry with the same `ref` already exists."""
    values = _row(profile_id, change)
    if change.ref is None:
        session.add(TimelineEntry(**values))
        return True
    table = TimelineEntry
    return await insert_unless_exists(session, table, values, ("ref",)) is not None


async def record_many(session: AsyncSession, changes: Sequence[tuple[int, Change]]) -> None:
    """Write entries without a `ref` (one per tag or point just granted): one statement."""
    if changes:
        connection = await session.connection()
        await insert_rows(connection, TimelineEntry, [_row(pid, c) for pid, c in changes])


async def history(session: AsyncSession, profile_id: int, limit: int = 50) -> list[TimelineEntry]:
    """The newest `limit` entries, oldest first."""
    rows = await session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.profile_id == profile_id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
