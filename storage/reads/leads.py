"""One lead's history for the site: its timeline a page at a time, and its notes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lead_models import LeadEvent

NOTE = "note"


@dataclass(frozen=True)
class EventPage:
    """Newest first; `older` is the `before` of the next page (None: this is the last)."""

    events: list[LeadEvent]
    total: int
    older: int | None


async def lead_events_page(
    session: AsyncSession, lead_id: int, limit: int, before_id: int | None = None
) -> EventPage:
    """A page of the lead's events, newest first, keyset-paged on `ix_lead_events_lead`."""
    query = select(LeadEvent).where(LeadEvent.lead_id == lead_id)
    if before_id is not None:
        query = query.where(LeadEvent.id < before_id)
    rows = list(await session.scalars(query.order_by(LeadEvent.id.desc()).limit(limit + 1)))
    total = await session.scalar(
        select(func.count()).select_from(LeadEvent).where(LeadEvent.lead_id == lead_id)
    )
    events = rows[:limit]
    return EventPage(events, int(total or 0), events[-1].id if len(rows) > limit else None)


async def lead_notes(session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    """Every note on the lead, newest first."""
    rows = await session.scalars(
        select(LeadEvent)
        .where(LeadEvent.lead_id == lead_id, LeadEvent.kind == NOTE)
        .order_by(LeadEvent.id.desc())
    )
    return list(rows)
