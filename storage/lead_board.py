"""Reading leads for the admin board: filtered pages, counts per column, one lead's facts.

Every query is bounded (a page per column) and rides an index: state and owner
(`ix_leads_state_id`, `ix_leads_owner_id`), created_at for the age filter, a tag
through `ix_profile_tags_tag`, a grade through `ix_leads_grade_state`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from storage.database import SessionFactory
from storage.lead_models import Lead
from storage.models import ProfileTag

Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class LeadFilter:
    """What the board shows; None or empty means "any". `grade` is a `[[leads.grades]]`
    name: the lead's grade now, not one it had before."""

    channel: str | None = None
    tag: str | None = None
    state: str | None = None
    owner: str | None = None
    created_after: datetime | None = None
    grade: str | None = None


def _filtered(query: Select[*Columns], where: LeadFilter) -> Select[*Columns]:
    if where.channel:
        query = query.where(Lead.channel == where.channel)
    if where.state:
        query = query.where(Lead.state == where.state)
    if where.owner:
        query = query.where(Lead.owner == (None if where.owner == "-" else where.owner))
    if where.grade:
        query = query.where(Lead.grade == where.grade)
    if where.created_after is not None:
        query = query.where(Lead.created_at >= where.created_after)
    if where.tag:
        # The tag's profiles come off ix_profile_tags_tag; the planner hashes them
        # (a common tag) or probes per lead (a rare one).
        tagged = select(ProfileTag.profile_id).where(ProfileTag.tag == where.tag)
        query = query.where(Lead.profile_id.in_(tagged))
    return query


async def board_columns(
    sessions: SessionFactory, where: LeadFilter, group_by: str, keys: Sequence[str | None],
    per_column: int,
) -> dict[str | None, tuple[int, list[Lead]]]:  # fmt: skip
    """For each key of `group_by` ("state" or "owner"): the count and the newest leads.

    One GROUP BY counts every column; the cards are a page per column off the
    (state, id) / (owner, id) indexes, or, when a tag filter needs a join, one query
    ranked within each column, so the join is done twice, not twice per column.
    """
    column = Lead.state if group_by == "state" else Lead.owner
    async with sessions() as session:
        counted = _filtered(select(column, func.count()), where).group_by(column)
        counts = {key: int(n) for key, n in await session.execute(counted)}
        cards: dict[str | None, list[Lead]] = {}
        if where.tag:
            # A join filter: rank within each column in one pass over the join.
            rank = func.row_number().over(partition_by=column, order_by=Lead.id.desc())
            ranked = _filtered(select(Lead.id, rank.label("rank")), where).subquery()
            newest = select(Lead).join(ranked, ranked.c.id == Lead.id)
            newest = newest.where(ranked.c.rank <= per_column).order_by(Lead.id.desc())
            for lead in await session.scalars(newest):
                key = lead.state if group_by == "state" else lead.owner
                cards.setdefault(key, []).append(lead)
        else:
            # Otherwise a page per column straight off (state, id) or (owner, id).
            for key in keys:
                condition = column.is_(None) if key is None else column == key
                page = _filtered(select(Lead), where).where(condition)
                page = page.order_by(Lead.id.desc()).limit(per_column)
                cards[key] = list(await session.scalars(page))
    return {key: (counts.get(key, 0), cards.get(key, [])) for key in keys}


async def channels(sessions: SessionFactory, limit: int = 50) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Lead.channel).where(Lead.channel.is_not(None)).distinct().limit(limit)
        )
        return sorted(str(row) for row in rows)
