"""A batch's new leads, their timeline entries and alert jobs, each in one statement.

The caller (`leads.intake.LeadIntake`) has already decided everything: owners, grades,
the entries in order. These functions only write; the triggers of `lead_load` count
each lead and each assignment as the rows land, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import insert_new_rows, insert_rows
from storage.channels.tallies import Tally
from storage.id_filter import one_of
from storage.lead_models import Lead, LeadEvent
from storage.models import OutboxJob
from storage.outbox import job_rows
from storage.records import JobRequest


@dataclass(frozen=True)
class NewLead:
    """A lead to make, as it will stand once made (owner and grade decided)."""

    profile_id: int
    state: str
    channel: str | None
    grade: str | None
    owner: str | None
    # Given to someone or pooled now (`assigned_at` set); False: nurtured, not pushed.
    assigned: bool


@dataclass(frozen=True)
class NewEntry:
    """A timeline entry of a lead made in this batch, known by its profile."""

    profile_id: int
    kind: str
    actor: str
    to_state: str
    owner: str | None
    detail: str | None


async def insert_leads(
    session: AsyncSession, leads: Sequence[NewLead], now: datetime
) -> dict[int, int]:
    """Profile id → new lead id; a profile that already has a lead is left out (made once)."""
    if not leads:
        return {}
    rows = [
        {
            "profile_id": lead.profile_id,
            "state": lead.state,
            "owner": lead.owner,
            "assigned_at": now if lead.assigned else None,
            "channel": lead.channel,
            "grade": lead.grade,
        }
        for lead in leads
    ]
    connection = await session.connection()
    found = await insert_new_rows(
        connection,
        Lead,
        rows,
        {"escalation": 0, "active_at": now, "locked": False, "created_at": now},
        unique=("profile_id",),
        returning=("profile_id", "id"),
    )
    made = {int(row.profile_id): int(row.id) for row in found}
    tally = Tally()
    for lead in leads:
        if lead.channel and lead.profile_id in made:
            tally.add(lead.channel, now, "leads")  # as `count_lead_event` counts "created"
    await tally.write(session)
    return made


async def insert_entries(
    session: AsyncSession,
    entries: Sequence[NewEntry],
    lead_ids: Mapping[int, int],
    now: datetime,
    *,
    kind: str,
) -> dict[int, int]:
    """Write the entries in the order given; profile id → the id of its entry of `kind`.

    No RETURNING: SQLite can return ids in parameter order only row by row (3 000
    statements for a wave of 1 000). The ids of one kind are read back in one query.
    """
    if not entries:
        return {}
    rows = [
        {
            "lead_id": lead_ids[entry.profile_id],
            "kind": entry.kind,
            "actor": entry.actor,
            "to_state": entry.to_state,
            "owner": entry.owner,
            "detail": entry.detail,
        }
        for entry in entries
    ]
    connection = await session.connection()
    # One statement, not an executemany: `lead_load`'s statement trigger then runs once
    # for the wave rather than once for each entry (and takes its lock once).
    await insert_rows(connection, LeadEvent, rows, {"created_at": now})
    profiles = {lead_id: profile_id for profile_id, lead_id in lead_ids.items()}
    found = await connection.execute(
        select(LeadEvent.lead_id, LeadEvent.id).where(
            one_of(session, LeadEvent.lead_id, sorted(profiles)), LeadEvent.kind == kind
        )
    )
    return {profiles[int(lead_id)]: int(entry_id) for lead_id, entry_id in found}


async def insert_jobs(session: AsyncSession, jobs: Sequence[JobRequest], now: datetime) -> None:
    """Queue outbox jobs in one statement (a repeated `dedup_key` fails the batch, as ever)."""
    if jobs:
        await insert_rows(await session.connection(), OutboxJob, job_rows(jobs, now))
