"""The one writer of `team_handovers`: a manager's hand-over, for the history pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.team.models import Handover


@dataclass(frozen=True)
class HandoverRecord:
    id: int
    from_userid: str
    to_userid: str | None
    actor: str
    reason: str
    lead_count: int
    employed: bool
    created_at: datetime


def _record(row: Handover) -> HandoverRecord:
    return HandoverRecord(
        row.id, row.from_userid, row.to_userid, row.actor, row.reason, row.lead_count,
        row.employed, row.created_at,
    )  # fmt: skip


async def add_handover(
    session: AsyncSession,
    *,
    from_userid: str,
    to_userid: str | None,
    actor: str,
    reason: str,
    employed: bool,
    at: datetime,
) -> int:
    """A new hand-over's id (its count is set once its leads moved: `set_count`)."""
    row = Handover(
        from_userid=from_userid, to_userid=to_userid, actor=actor[:64], reason=reason,
        lead_count=0, employed=employed, created_at=at,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row.id


async def set_count(session: AsyncSession, handover_id: int, count: int) -> None:
    row = await session.get(Handover, handover_id)
    if row is not None:
        row.lead_count = count


async def handovers_from(session: AsyncSession, userid: str) -> list[HandoverRecord]:
    """A person's hand-overs, newest first."""
    rows = await session.scalars(
        select(Handover).where(Handover.from_userid == userid).order_by(Handover.id.desc())
    )
    return [_record(row) for row in rows]
