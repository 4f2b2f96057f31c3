"""Leads, claims and wins counted for the lead's channel, in the transaction of the change.

Called by the one writer of lead timelines (`storage.leads_repo.add_event`) for every
entry: a lead made, claimed, or set to won counts once for its channel (per salesperson
for claims and wins), so the figures never scan leads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.tallies import Tally
from storage.lead_models import Lead

WON = "won"


async def count_lead_event(
    session: AsyncSession, lead: Lead, kind: str, at: datetime, from_state: str | None
) -> None:
    if not lead.channel:
        return
    tally = Tally()
    if kind == "created":
        tally.add(lead.channel, at, "leads")
    elif kind == "claimed":
        tally.add(lead.channel, at, "claimed", staff=lead.owner or "")
    elif kind == "state" and lead.state == WON and from_state != WON:
        tally.add(lead.channel, at, "won", staff=lead.owner or "")
    await tally.write(session)
