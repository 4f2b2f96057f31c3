"""The effects stage's view of an event table: what is pending, applied, failed.

Both event tables (`inbound_events`, `wecom_events`) carry the same
`AppliedLater` columns; these functions take the table's model.
"""

from __future__ import annotations

import traceback
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, SmallInteger, case, func, literal, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import update_rows
from storage.id_filter import one_of
from storage.lead_models import WeComEvent
from storage.models import InboundEvent

EventTable = type[InboundEvent] | type[WeComEvent]

PENDING = "pending"
HELD = "held"
APPLIED = "applied"
FAILED = "failed"

# The streams of the effects stage and their partitions; migration 0006 seeds a
# lease row for each. One person's events share a partition (`partition_of`).
STREAM_WECHAT = "wechat"
STREAM_WECOM = "wecom"
PARTITIONS = 16


def partition_of(account: str, openid: str, partitions: int = PARTITIONS) -> int:
    """A stable partition for one person (crc32: the same in every process and release)."""
    return zlib.crc32(f"{account}\0{openid}".encode()) % partitions


async def pending_ids(
    session: AsyncSession, table: EventTable, partitions: Collection[int], limit: int
) -> list[int]:
    """The oldest pending events of these partitions, oldest first."""
    # Core on the session's connection: the ORM execution path costs more than the query.
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return list(await connection.scalars(_oldest_per_partition(table, partitions, limit)))
    rows = await connection.scalars(
        select(table.id)
        .where(table.effects_state == PENDING, table.partition.in_(sorted(partitions)))
        .order_by(table.id)
        .limit(limit)
    )
    return list(rows)


def _oldest_per_partition(
    table: EventTable, partitions: Collection[int], limit: int
) -> Select[tuple[int]]:
    """The `limit` oldest pending ids of each partition, then the `limit` oldest of those.

    The same ids as one query over all the partitions, at a cost bounded by partitions
    x limit entries of the unapplied index. The one query's cost grew with the table:
    PostgreSQL either walked the primary key from the oldest event, filtering every
    applied one (19.6 ms a batch of 500 with 200 000 applied before 100 000 pending), or
    read and sorted the whole backlog from the state index; this reads 16 x 500 index
    entries (2.0 ms, the same table: `EXPLAIN ANALYZE`).
    """
    wanted = (
        func.unnest(literal(sorted(partitions), ARRAY(SmallInteger)))
        .table_valued("partition")
        .render_derived(name="wanted")
    )
    oldest = (
        select(table.id)
        .where(table.effects_state == PENDING, table.partition == wanted.c.partition)
        .order_by(table.id)
        .limit(limit)
        .lateral("oldest")
    )
    query = select(oldest.c.id).select_from(wanted).join(oldest, true())
    return query.order_by(oldest.c.id).limit(limit)


async def claim_pending(
    session: AsyncSession, table: EventTable, ids: Collection[int]
) -> list[int]:
    """The events still pending, row-locked until commit, oldest first.

    Claiming and applying share the transaction, and `finish_applied` marks
    them in it: an event is applied exactly once, and a consumer that lost the
    race (it waited on the lock) finds them no longer pending.
    """
    connection = await session.connection()
    # Selected by id alone, the state tested here: with `effects_state = $2` in the
    # query, the planner (its statistics taken when little was pending) walked the
    # state index over the whole backlog and filtered the ids (~130 µs per event).
    rows = await connection.execute(
        select(table.id, table.effects_state)
        .where(one_of(connection, table.id, list(ids)))
        .order_by(table.id)
        .with_for_update()
    )
    return [event_id for event_id, state in rows if state == PENDING]


async def finish_applied(
    session: AsyncSession,
    table: EventTable,
    ids: Sequence[int],
    at: datetime,
    columns: Mapping[int, Mapping[str, object]],
) -> None:
    """Mark claimed events applied, with what applying learned (`columns`, e.g. profile_id).

    One statement for the batch (one execution on PostgreSQL: `storage.bulk`), and
    one new row version per event: each update of an indexed column rewrites
    every index entry of the row.
    """
    if not ids:
        return
    extra = sorted({name for values in columns.values() for name in values})
    connection = await session.connection()
    await update_rows(
        connection,
        table,
        "id",
        [
            {"id": event_id, **{name: columns.get(event_id, {}).get(name) for name in extra}}
            for event_id in ids
        ],
        lambda source: {
            "effects_state": APPLIED,
            "applied_at": at,
            **{name: source[name] for name in extra},
        },
    )


async def record_failure(
    session: AsyncSession, table: EventTable, event_id: int, error: BaseException, limit: int
) -> bool:
    """Count a failed attempt; True when the event is now set aside (`failed`)."""
    summary = "".join(traceback.format_exception_only(error)).strip()
    where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    detail = summary + "".join(f"\n  at {f.filename}:{f.lineno} in {f.name}" for f in where)
    attempts = table.effects_attempts + 1
    row = (
        await session.execute(
            update(table)
            .where(table.id == event_id, table.effects_state == PENDING)
            .values(
                effects_attempts=attempts,
                effects_error=detail[:2000],
                effects_state=case((attempts >= limit, FAILED), else_=PENDING),
            )
            .returning(table.effects_state)
        )
    ).first()
    return row is not None and row[0] == FAILED


async def release_held(session: AsyncSession, older_than: datetime) -> int:
    """Held events whose late handler never came back (the process died): apply them as stored."""
    rows = await session.execute(
        update(InboundEvent)
        .where(InboundEvent.effects_state == HELD, InboundEvent.received_at < older_than)
        .values(effects_state=PENDING)
        .returning(InboundEvent.id)
    )
    return len(rows.all())


@dataclass(frozen=True)
class Backlog:
    """Events stored and not yet applied, and the age of the oldest."""

    events: int
    oldest_s: float


async def backlog(session: AsyncSession, table: EventTable, now: datetime) -> Backlog:
    row = (
        await session.execute(
            select(func.count(), func.min(table.received_at)).where(
                table.effects_state.in_((PENDING, HELD))
            )
        )
    ).one()
    count, oldest = int(row[0]), row[1]
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)  # SQLite's MIN() loses the type decorator
    age = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
    return Backlog(count, age)


async def effects_backlog(session: AsyncSession, now: datetime) -> Backlog:
    """The whole stage's backlog: both event tables together."""
    figures = [await backlog(session, table, now) for table in (InboundEvent, WeComEvent)]
    return Backlog(sum(f.events for f in figures), max(f.oldest_s for f in figures))


async def unapplied_count(session: AsyncSession, openids: Sequence[str]) -> int:
    """Events of these openids stored but not applied yet (they have no profile yet)."""
    if not openids:
        return 0
    return int(
        await session.scalar(
            select(func.count()).where(
                InboundEvent.openid.in_(list(openids)),
                InboundEvent.effects_state.in_((PENDING, HELD)),
            )
        )
        or 0
    )


async def failed_events(
    session: AsyncSession, table: EventTable, limit: int = 100
) -> Sequence[tuple[int, str, int, str | None, datetime]]:
    rows = await session.execute(
        select(
            table.id,
            table.dedup_key,
            table.effects_attempts,
            table.effects_error,
            table.received_at,
        )
        .where(table.effects_state == FAILED)
        .order_by(table.id)
        .limit(limit)
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


async def retry_event(session: AsyncSession, table: EventTable, event_id: int) -> bool:
    """Put a failed event back in the queue with its attempts reset; False if none was failed."""
    rows = await session.execute(
        update(table)
        .where(table.id == event_id, table.effects_state == FAILED)
        .values(effects_state=PENDING, effects_attempts=0)
        .returning(table.id)
    )
    return rows.first() is not None


def held_cutoff(now: datetime, hold_s: float) -> datetime:
    return now - timedelta(seconds=hold_s)
