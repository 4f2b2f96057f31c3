"""The one writer of the journeys tables: runs (durable timers) and their events.

Claiming due runs locks them for the claiming transaction: `FOR UPDATE SKIP LOCKED`
on PostgreSQL keeps other processes off those rows, and on SQLite the claim is
an UPDATE, which takes the database's write lock, so processes take turns. Each
step is decided, its jobs queued and the run advanced in that one transaction,
so a step fires once however many processes run the scheduler.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, case, cast, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from storage.id_filter import one_of
from storage.journey_models import ACTIVE, EXITED, JourneyRun, JourneyRunEvent
from storage.lead_models import Lead
from storage.types import UtcDateTime
from storage.upsert import insert_or_skip

QUEUED = "queued"


@dataclass(frozen=True)
class DueRun:
    id: int
    journey: str
    profile_id: int
    step: int
    due_at: datetime
    started_at: datetime


@dataclass(frozen=True)
class RunUpdate:
    """Where a run goes after a round: next step and time, or its end."""

    id: int
    step: int
    due_at: datetime | None
    status: str = ACTIVE
    exit_reason: str | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class RunEvent:
    run_id: int
    profile_id: int
    journey: str
    step: int | None
    kind: str
    at: datetime
    channel: str | None = None
    detail: str | None = None


def active_key(journey: str, profile_id: int) -> str:
    return f"{journey}:{profile_id}"


async def enter_runs(
    session: AsyncSession,
    journey: str,
    profile_ids: Sequence[int],
    *,
    trigger: str,
    due_at: datetime,
    now: datetime,
) -> list[int]:
    """Start runs for whoever is not in one of this journey already; the new runs' ids."""
    if not profile_ids:
        return []
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return await _enter_runs_postgres(
            session, journey, profile_ids, trigger=trigger, due_at=due_at, now=now
        )
    rows = [
        {
            "journey": journey,
            "profile_id": profile_id,
            "status": ACTIVE,
            "step": 0,
            "due_at": due_at,
            "active_key": active_key(journey, profile_id),
            "trigger": trigger[:160],
            "started_at": now,
        }
        for profile_id in profile_ids
    ]
    statement = insert_or_skip(connection, JourneyRun, ("active_key",)).returning(JourneyRun.id)
    result = await connection.execute(statement, rows)
    return [int(run_id) for run_id in result.scalars()]


async def _enter_runs_postgres(
    session: AsyncSession,
    journey: str,
    profile_ids: Sequence[int],
    *,
    trigger: str,
    due_at: datetime,
    now: datetime,
) -> list[int]:
    """One INSERT … SELECT unnest(ids): a campaign's chunk costs one statement, one parameter."""
    people = (
        func.unnest(literal(list(profile_ids), ARRAY(Integer)))
        .table_valued("profile_id")
        .render_derived(name="people")
    )
    key = literal(f"{journey}:").op("||")(cast(people.c.profile_id, String))
    rows = select(
        literal(journey),
        people.c.profile_id,
        literal(ACTIVE),
        literal(0),
        literal(due_at, UtcDateTime()),
        key,
        literal(trigger[:160]),
        literal(now, UtcDateTime()),
    )
    columns = ["journey", "profile_id", "status", "step", "due_at", "active_key", "trigger",
               "started_at"]  # fmt: skip
    statement = (
        postgresql.insert(JourneyRun)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["active_key"])
        .returning(JourneyRun.id)
    )
    return [int(run_id) for run_id in await session.scalars(statement)]


async def end_active(
    session: AsyncSession, journey: str, profile_id: int, *, status: str, reason: str, now: datetime
) -> int | None:
    """End the person's active run of `journey`, if any; its id."""
    run_id = await session.scalar(
        update(JourneyRun)
        .where(JourneyRun.active_key == active_key(journey, profile_id))
        .values(status=status, active_key=None, due_at=None, ended_at=now, exit_reason=reason)
        .returning(JourneyRun.id)
    )
    return None if run_id is None else int(run_id)


async def active_runs(session: AsyncSession, profile_id: int) -> list[JourneyRun]:
    rows = await session.scalars(
        select(JourneyRun).where(JourneyRun.profile_id == profile_id, JourneyRun.status == ACTIVE)
    )
    return list(rows)


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[DueRun]:
    """Lock up to `limit` runs whose step is due, oldest due first, for this transaction."""
    due = (
        select(JourneyRun.id)
        .where(JourneyRun.status == ACTIVE, JourneyRun.due_at <= now)
        .order_by(JourneyRun.due_at, JourneyRun.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # A no-op write: on SQLite it takes the write lock before anything is read.
    rows = await session.execute(
        update(JourneyRun)
        .where(JourneyRun.id.in_(due.scalar_subquery()))
        .values(step=JourneyRun.step)
        .returning(
            JourneyRun.id,
            JourneyRun.journey,
            JourneyRun.profile_id,
            JourneyRun.step,
            JourneyRun.due_at,
            JourneyRun.started_at,
        )
    )
    claimed = [
        DueRun(row.id, row.journey, row.profile_id, row.step, row.due_at or now, row.started_at)
        for row in rows
    ]
    return sorted(claimed, key=lambda run: (run.due_at, run.id))


async def settle(session: AsyncSession, updates: Sequence[RunUpdate]) -> None:
    """Advance, postpone or end runs (one executemany by primary key)."""
    if not updates:
        return
    await session.execute(
        update(JourneyRun),
        [
            {
                "id": u.id,
                "step": u.step,
                "due_at": u.due_at,
                "status": u.status,
                "exit_reason": u.exit_reason,
                "ended_at": u.ended_at,
                **({} if u.status == ACTIVE else {"active_key": None}),
            }
            for u in updates
        ],
    )


async def add_events(session: AsyncSession, events: Sequence[RunEvent]) -> None:
    if not events:
        return
    connection = await session.connection()
    await connection.execute(
        insert(JourneyRunEvent),
        [
            {
                "run_id": e.run_id,
                "profile_id": e.profile_id,
                "journey": e.journey,
                "step": e.step,
                "kind": e.kind,
                "channel": e.channel,
                "detail": e.detail,
                "at": e.at,
            }
            for e in events
        ],
    )


async def messages_since(
    session: AsyncSession, profile_ids: Sequence[int], since: datetime
) -> dict[int, int]:
    """Journey messages queued per person since `since` (the daily cap counts these)."""
    rows = await session.execute(
        select(JourneyRunEvent.profile_id, func.count())
        .where(
            one_of(session, JourneyRunEvent.profile_id, sorted(set(profile_ids))),
            JourneyRunEvent.kind == QUEUED,
            JourneyRunEvent.at >= since,
        )
        .group_by(JourneyRunEvent.profile_id)
    )
    return {int(profile_id): int(count) for profile_id, count in rows}


async def runs_of(session: AsyncSession, profile_id: int) -> list[JourneyRun]:
    rows = await session.scalars(
        select(JourneyRun).where(JourneyRun.profile_id == profile_id).order_by(JourneyRun.id)
    )
    return list(rows)


async def events_of(session: AsyncSession, run_id: int) -> list[JourneyRunEvent]:
    rows = await session.scalars(
        select(JourneyRunEvent).where(JourneyRunEvent.run_id == run_id).order_by(JourneyRunEvent.id)
    )
    return list(rows)


@dataclass(frozen=True)
class JourneyStats:
    entered: int
    active_by_step: dict[int, int]
    ended_by_reason: dict[str, int]
    converted_to_lead: int
    converted_to_won: int
    # Runs (active or ended) by their `step`, the number of steps fired: a run's
    # `step` only moves forward when a step fires (sent, queued, done, skipped or
    # unreachable) and an ending keeps it, so runs with `step` >= N are exactly the
    # runs whose step N fired.
    runs_by_step: dict[int, int]


async def journey_stats(session: AsyncSession, journey: str, won_state: str) -> JourneyStats:
    """Figures of one journey: entered, where runs stand, how they ended, conversions.

    Two statements, each one pass over the journey's runs: its runs grouped by
    status, step and exit reason, and one join with the leads for both conversions
    (`bench/admin.py`, 200 000 runs: six statements took 350 ms).
    """
    rows = await session.execute(
        select(JourneyRun.status, JourneyRun.step, JourneyRun.exit_reason, func.count())
        .where(JourneyRun.journey == journey)
        .group_by(JourneyRun.status, JourneyRun.step, JourneyRun.exit_reason)
    )
    active: defaultdict[int, int] = defaultdict(int)
    ended: defaultdict[str, int] = defaultdict(int)
    by_step: defaultdict[int, int] = defaultdict(int)
    for status, step, reason, count in rows:
        by_step[int(step)] += int(count)
        if status == ACTIVE:
            active[int(step)] += int(count)
        else:
            ended[f"{status}: {reason or '-'}"] += int(count)
    # A conversion: the person became a lead (or won) after the run started.
    won = case((Lead.state == won_state, JourneyRun.profile_id))
    converted = await session.execute(
        select(func.count(func.distinct(JourneyRun.profile_id)), func.count(func.distinct(won)))
        .join(Lead, Lead.profile_id == JourneyRun.profile_id)
        .where(JourneyRun.journey == journey, Lead.created_at >= JourneyRun.started_at)
    )
    leads, wins = converted.one()
    return JourneyStats(
        entered=sum(by_step.values()),
        active_by_step=dict(active),
        ended_by_reason=dict(ended),
        converted_to_lead=int(leads or 0),
        converted_to_won=int(wins or 0),
        runs_by_step=dict(by_step),
    )


async def counts_by_status(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Runs per (journey, status), off `ix_journey_runs_journey` (for metrics)."""
    rows = await session.execute(
        select(JourneyRun.journey, JourneyRun.status, func.count()).group_by(
            JourneyRun.journey, JourneyRun.status
        )
    )
    return {(str(journey), str(status)): int(count) for journey, status, count in rows}


async def active_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(JourneyRun.journey, func.count())
        .where(JourneyRun.status == ACTIVE)
        .group_by(JourneyRun.journey)
    )
    return {str(journey): int(count) for journey, count in rows}


async def rekey_after_merge(session: AsyncSession, survivor: int, now: datetime) -> None:
    """After a merge moved runs onto `survivor`: one active run per journey, keyed to it.

    The survivor's own run of a journey wins (else the oldest moved one); the
    others end as "merged", so the person is never in two runs of one journey.
    """
    runs = sorted(
        await active_runs(session, survivor),
        key=lambda run: (run.active_key != active_key(run.journey, survivor), run.id),
    )
    kept: dict[str, JourneyRun] = {}
    for run in runs:
        if run.journey not in kept:
            kept[run.journey] = run
            continue
        run.status, run.active_key, run.due_at = EXITED, None, None
        run.ended_at, run.exit_reason = now, "merged"
    await session.flush()
    for run in kept.values():
        run.active_key = active_key(run.journey, survivor)
    await session.flush()
