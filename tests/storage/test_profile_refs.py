"""The stage's append tables point at profiles without a foreign key; deletes are refused.

Their check moved to the rare side (migration 0019): a profile is never deleted while
an event, a point entry or a timeline entry points at it, as the foreign key ensured.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import SessionFactory
from storage.models import InboundEvent, PointEntry, Profile
from storage.tagging_models import TimelineEntry

AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)

_EVENT = {
    "dedup_key": "msg:1",
    "account": "main",
    "openid": "o-1",
    "msg_type": "text",
    "sent_at": AT,
    "received_at": AT,
}
REFERENCING: list[tuple[Any, dict[str, object]]] = [
    (InboundEvent, _EVENT),
    (PointEntry, {"points": 10, "reason": "kw:price", "created_at": AT}),
    (TimelineEntry, {"kind": "points", "points": 10, "at": AT}),
]


async def _new_profile(connection: AsyncConnection) -> int:
    insert_profile = insert(Profile).values(score=0, created_at=AT, updated_at=AT)
    return int((await connection.execute(insert_profile.returning(Profile.id))).scalar_one())


@pytest.mark.parametrize(("table", "row"), REFERENCING, ids=["event", "points", "timeline"])
async def test_a_profile_a_row_points_at_is_not_deleted(
    sessions: SessionFactory, table: Any, row: dict[str, object]
) -> None:
    async with sessions.begin() as session:
        connection = await session.connection()
        profile = await _new_profile(connection)
        await connection.execute(insert(table).values(profile_id=profile, **row))
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(delete(Profile).where(Profile.id == profile))
    async with sessions() as session:
        assert await session.scalar(select(Profile.id).where(Profile.id == profile)) == profile


async def test_a_profile_nothing_points_at_is_deleted(sessions: SessionFactory) -> None:
    # As OneID drops a profile it made for an identity another transaction created first.
    async with sessions.begin() as session:
        connection = await session.connection()
        profile = await _new_profile(connection)
        await connection.execute(delete(Profile).where(Profile.id == profile))
        assert await connection.scalar(select(Profile.id).where(Profile.id == profile)) is None
