"""Queries over the leads tables, for the leads package and the WeCom edge.

Plain functions over an `AsyncSession` the caller owns, so a whole command or
timer step commits as one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.lead_counts import count_lead_event
from storage.lead_models import Lead, LeadEvent
from storage.models import Identity, InboundEvent, OutboxJob, ProfileTag
from storage.outbox import job_rows
from storage.records import JobRequest
from storage.upsert import insert_unless_exists

SYSTEM = "system"


async def lead_by_id(session: AsyncSession, lead_id: int) -> Lead | None:
    """The lead, row-locked on PostgreSQL so concurrent commands serialise on it."""
    return await session.scalar(select(Lead).where(Lead.id == lead_id).with_for_update())


async def lead_of_profile(session: AsyncSession, profile_id: int) -> Lead | None:
    return await session.scalar(select(Lead).where(Lead.profile_id == profile_id).with_for_update())


async def leads_of_profiles(session: AsyncSession, profile_ids: Collection[int]) -> dict[int, Lead]:
    """The leads of many profiles, row-locked, by profile id (one query)."""
    rows = await session.scalars(
        select(Lead).where(Lead.profile_id.in_(list(profile_ids))).with_for_update()
    )
    return {lead.profile_id: lead for lead in rows}


async def add_event(
    session: AsyncSession,
    lead: Lead,
    kind: str,
    actor: str,
    now: datetime,
    *,
    from_state: str | None = None,
    detail: str | None = None,
) -> LeadEvent:
    """Record one timeline entry with the lead's state and owner after the change."""
    event = LeadEvent(
        lead_id=lead.id,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=lead.state,
        owner=lead.owner,
        detail=detail,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await count_lead_event(session, lead, kind, now, from_state)  # the channel's figures
    return event


# Any constant, the same in every process: the key of the assignment lock.
_ASSIGNMENT_LOCK = 0x7778_6C61


async def lock_assignments(session: AsyncSession) -> None:
    """Hold lead assignment for this transaction: other processes wait at this call.

    Assignment reads each salesperson's open leads and then adds one; two effects
    consumers doing so at once would both see room left and overshoot `max_open`.
    On PostgreSQL a transaction-scoped advisory lock serialises them (released at
    commit or rollback); the `lead_load` triggers (migration 0016) take the same lock
    before any change to the counts, so a claim or a closing elsewhere waits for the
    holder too, and the load the holder read stays the load until it commits. The
    order is the lock, then lead rows, in every writer of a lead's owner or state (an
    effects batch, the timers, staff actions, WeCom contacts): a trigger takes the lock
    after the row it changes, so a writer that locked rows first could deadlock with a
    wave that holds the lock and waits for one of them. SQLite
    serves one process, whose effects stage applies one batch at a time, and takes
    one writer at a time for the whole database.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_ASSIGNMENT_LOCK)))


async def counts_by_state_and_grade(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Leads per (state, grade), "" for no grade; only the pairs that have leads (metrics)."""
    rows = await session.execute(
        select(Lead.state, Lead.grade, func.count()).group_by(Lead.state, Lead.grade)
    )
    return {(state, grade or ""): int(count) for state, grade, count in rows}


async def count_events(
    session: AsyncSession,
    kinds: Sequence[str],
    since: datetime,
    *,
    actor: str | None = None,
    owner: str | None = None,
    to_state: str | None = None,
) -> int:
    """Timeline entries of these kinds since a time, optionally by actor, owner or state."""
    query = select(func.count()).where(LeadEvent.kind.in_(kinds), LeadEvent.created_at >= since)
    if to_state is not None:
        query = query.where(LeadEvent.to_state == to_state)
    if actor is not None:
        query = query.where(LeadEvent.actor == actor)
    if owner is not None:
        query = query.where(LeadEvent.owner == owner)
    return int(await session.scalar(query) or 0)


async def passed_over(session: AsyncSession, lead_id: int, kind: str) -> set[str]:
    """Who let this lead time out before (their userid is the event's detail)."""
    rows = await session.scalars(
        select(LeadEvent.detail).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind)
    )
    return {detail for detail in rows if detail}


async def timeline(session: AsyncSession, lead_id: int, limit: int) -> list[LeadEvent]:
    rows = await session.scalars(
        select(LeadEvent)
        .where(LeadEvent.lead_id == lead_id)
        .order_by(LeadEvent.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def leads_owned(
    session: AsyncSession, owner: str | None, states: Sequence[str]
) -> list[Lead]:
    """Leads of one salesperson (None: the pool) in the given states, oldest first."""
    owned = Lead.owner.is_(None) if owner is None else Lead.owner == owner
    rows = await session.scalars(
        select(Lead).where(owned, Lead.state.in_(states)).order_by(Lead.id)
    )
    return list(rows)


async def grade_history(session: AsyncSession, lead_id: int) -> list[str]:
    """The lead's grade changes, oldest first, as "C→A" (the "graded" timeline entries)."""
    rows = await session.scalars(
        select(LeadEvent.detail)
        .where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "graded")
        .order_by(LeadEvent.id)
    )
    return [detail for detail in rows if detail]


async def recent_messages(session: AsyncSession, profile_id: int, limit: int) -> list[str]:
    """The person's last messages with text, oldest first."""
    rows = await session.scalars(
        select(InboundEvent.content)
        .where(InboundEvent.profile_id == profile_id, InboundEvent.content.is_not(None))
        .order_by(InboundEvent.id.desc())
        .limit(limit)
    )
    return [text for text in reversed(list(rows)) if text]


async def profile_tags(session: AsyncSession, profile_id: int) -> list[str]:
    rows = await session.scalars(
        select(ProfileTag.tag).where(ProfileTag.profile_id == profile_id).order_by(ProfileTag.id)
    )
    return list(rows)


async def first_openid(session: AsyncSession, profile_id: int) -> str | None:
    return await session.scalar(
        select(Identity.value)
        .where(Identity.profile_id == profile_id, Identity.kind == "openid")
        .order_by(Identity.id)
        .limit(1)
    )


async def schedule_job(
    session: AsyncSession, job: JobRequest, *, due_at: datetime, now: datetime
) -> bool:
    """Queue an outbox job to run no earlier than `due_at`; False when its key is queued."""
    [row] = job_rows([job], now)
    job_id = await insert_unless_exists(
        session,
        OutboxJob,
        {**row, "next_attempt_at": due_at},
        ("dedup_key",),
    )
    return job_id is not None
