"""The one writer of `sales_team`: every change is audited in its own transaction.

Records are plain data (`Member`); the leads package turns them into the
`leads.policy.SalesRep` assignment reads. Each change writes an audit entry (who,
what, before and after) in the transaction of the change, as ops tables do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.admin_users import add_audit
from storage.locks import take_turns
from storage.team.models import SalesMember

ACTIVE, AWAY, LEFT = "active", "away", "left"
STATUSES = (ACTIVE, AWAY, LEFT)
# Seeding takes turns across processes started together (PostgreSQL): both would see
# an empty table and insert the same people.
# Seeds and changes of the team take turns on it (`read_team_to_change`).
_TEAM_LOCK = "sales_team"


@dataclass(frozen=True)
class Member:
    """One salesperson as stored."""

    userid: str
    name: str
    tags: tuple[str, ...] = ()
    max_open: int | None = None
    manager: str | None = None
    deputy: str | None = None
    status: str = ACTIVE
    away_until: date | None = None

    def changes(self, other: Member) -> dict[str, list[object]]:
        """Field → [before, after] for what differs from `other` (the audit's detail)."""
        mine, theirs = _jsonable(self), _jsonable(other)
        return {key: [mine[key], theirs[key]] for key in mine if mine[key] != theirs[key]}


def _jsonable(member: Member) -> dict[str, object]:
    fields = asdict(member)
    fields["tags"] = list(member.tags)
    fields["away_until"] = member.away_until.isoformat() if member.away_until else None
    return fields


def _member(row: SalesMember) -> Member:
    return Member(
        userid=row.userid,
        name=row.name,
        tags=tuple(json.loads(row.tags or "[]")),
        max_open=row.max_open,
        manager=row.manager,
        deputy=row.deputy,
        status=row.status,
        away_until=row.away_until,
    )


def _fill(row: SalesMember, member: Member, at: datetime) -> None:
    row.name = member.name
    row.tags = json.dumps(list(member.tags), ensure_ascii=False)
    row.max_open = member.max_open
    row.manager = member.manager
    row.deputy = member.deputy
    row.status = member.status
    row.away_until = member.away_until
    row.updated_at = at


async def read_team(session: AsyncSession) -> list[Member]:
    """Everyone, in the order they joined (the seed's order first): round robin's tie-break."""
    rows = await session.scalars(select(SalesMember).order_by(SalesMember.id))
    return [_member(row) for row in rows]


async def read_team_to_change(session: AsyncSession) -> list[Member]:
    """The team, as `read_team`, for a change checked against everyone; first in its
    transaction. Changes take turns until their transactions end: a check spans members
    (a circle of managers, a deputy going on leave), and two changes at once (A's
    manager set to B, B's to A) would each pass against a team without the other."""
    await take_turns(session, _TEAM_LOCK)
    return await read_team(session)


async def get_member(session: AsyncSession, userid: str) -> Member | None:
    row = await session.scalar(select(SalesMember).where(SalesMember.userid == userid))
    return None if row is None else _member(row)


def _audit(
    session: AsyncSession, actor: str, action: str, userid: str, detail: object, *, at: datetime
) -> None:
    add_audit(
        session,
        actor=actor,
        action=f"team.{action}",
        target=userid,
        detail=json.dumps(detail, ensure_ascii=False),
        at=at,
    )


async def seed_team(session: AsyncSession, members: Sequence[Member], at: datetime) -> int:
    """Insert the config's team when the table is empty; the number inserted (0: it was not)."""
    await take_turns(session, _TEAM_LOCK)
    if not members or await session.scalar(select(func.count()).select_from(SalesMember)):
        return 0
    for member in members:
        row = SalesMember(userid=member.userid, created_at=at)
        _fill(row, member, at)
        session.add(row)
    _audit(session, "config", "seed", "*", {"userids": [m.userid for m in members]}, at=at)
    await session.flush()
    return len(members)


async def add_member(session: AsyncSession, member: Member, actor: str, at: datetime) -> None:
    row = SalesMember(userid=member.userid, created_at=at)
    _fill(row, member, at)
    session.add(row)
    _audit(session, actor, "add", member.userid, {"after": _jsonable(member)}, at=at)
    await session.flush()


async def save_member(
    session: AsyncSession, member: Member, actor: str, action: str, at: datetime
) -> Member:
    """Store `member` over the row of its userid; the member as it was before."""
    row = await session.scalar(
        select(SalesMember).where(SalesMember.userid == member.userid).with_for_update()
    )
    if row is None:
        raise LookupError(member.userid)
    before = _member(row)
    _fill(row, member, at)
    _audit(session, actor, action, member.userid, {"changes": before.changes(member)}, at=at)
    await session.flush()
    return before


async def delete_member(session: AsyncSession, userid: str, actor: str, at: datetime) -> None:
    before = await get_member(session, userid)
    await session.execute(delete(SalesMember).where(SalesMember.userid == userid))
    _audit(
        session,
        actor,
        "remove",
        userid,
        {"before": None if before is None else _jsonable(before)},
        at=at,
    )


async def due_back(session: AsyncSession, today: date) -> list[Member]:
    """Those away whose leave ends on or before `today` (the periodic return's work)."""
    rows = await session.scalars(
        select(SalesMember)
        .where(SalesMember.status == AWAY, SalesMember.away_until <= today)
        .order_by(SalesMember.id)
        .with_for_update(skip_locked=True)
    )
    return [_member(row) for row in rows]


def back_at_work(member: Member) -> Member:
    return replace(member, status=ACTIVE, away_until=None)
