"""The team's load as assignment reads it: one small table, not a scan of every lead.

`read_load` is what assignment uses (under the assignment lock); `recount_load` is the
truth it must equal, derived from `leads` and `lead_events` (tests, `wxbot` checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lead_models import Lead, LeadEvent
from storage.leads.models import LeadLoad


@dataclass(frozen=True)
class LoadRows:
    """Open leads and the last assignment's timeline id, per salesperson."""

    open_leads: dict[str, int]
    last_assigned: dict[str, int]


async def read_load(session: AsyncSession) -> LoadRows:
    """The maintained load: one row per person ever given a lead (a team's size)."""
    # Through the session, not its connection: pending ORM changes (an owner set a moment
    # ago) are flushed first, so their triggers have counted them.
    rows = await session.execute(
        select(LeadLoad.owner, LeadLoad.open_leads, LeadLoad.last_assigned)
    )
    open_leads: dict[str, int] = {}
    last_assigned: dict[str, int] = {}
    for owner, count, last in rows:
        if count:
            open_leads[owner] = int(count)
        if last:
            last_assigned[owner] = int(last)
    return LoadRows(open_leads, last_assigned)


async def recount_load(
    session: AsyncSession, open_states: Sequence[str], assigning: Sequence[str]
) -> LoadRows:
    """The load counted from the leads and their timelines (scans both: not for hot paths)."""
    opened = await session.execute(
        select(Lead.owner, func.count())
        .where(Lead.owner.is_not(None), Lead.state.in_(open_states))
        .group_by(Lead.owner)
    )
    last = await session.execute(
        select(LeadEvent.owner, func.max(LeadEvent.id))
        .where(LeadEvent.kind.in_(assigning), LeadEvent.owner.is_not(None))
        .group_by(LeadEvent.owner)
    )
    return LoadRows(
        {str(owner): int(count) for owner, count in opened},
        {str(owner): int(top) for owner, top in last},
    )
