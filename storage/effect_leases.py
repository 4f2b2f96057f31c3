"""Leases on event partitions: which consumer of the effects stage applies which events.

Each stream's events are split into partitions (one person's events share
one), and each partition has one lease row. A consumer heartbeats, takes its
fair share of the partitions (all of them divided by the live consumers),
renews them, and gives extras back when newcomers arrive.

The lease row is also the fence: a batch transaction renews the leases of its
partitions first (`fence`), which row-locks them until commit. A consumer
whose lease expired meanwhile finds it gone and rolls back; a consumer taking
a partition over waits for the batch in flight to commit. So one partition's
events are applied by one consumer at a time, in order.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.id_filter import one_of
from storage.models import EffectConsumer, EffectLease
from storage.upsert import insert_or_skip


async def ensure_partitions(session: AsyncSession, stream: str, partitions: int) -> None:
    """Create the stream's lease rows that are missing (the migration seeds them too)."""
    connection = await session.connection()
    await connection.execute(
        insert_or_skip(connection, EffectLease, ("stream", "partition")),
        [{"stream": stream, "partition": partition} for partition in range(partitions)],
    )


async def heartbeat(session: AsyncSession, owner: str, at: datetime, stale_s: float) -> int:
    """Say this consumer is alive; the number of live consumers, this one included."""
    connection = await session.connection()
    await connection.execute(
        insert_or_skip(connection, EffectConsumer, ("owner",)), [{"owner": owner, "seen_at": at}]
    )
    await connection.execute(
        update(EffectConsumer).where(EffectConsumer.owner == owner).values(seen_at=at)
    )
    cutoff = at - timedelta(seconds=stale_s)
    await connection.execute(delete(EffectConsumer).where(EffectConsumer.seen_at < cutoff))
    return int(await connection.scalar(select(func.count()).select_from(EffectConsumer)) or 1)


async def rebalance(
    session: AsyncSession,
    stream: str,
    *,
    owner: str,
    consumers: int,
    at: datetime,
    lease_s: float,
) -> set[int]:
    """Renew this consumer's leases, take or give back partitions to its fair share; its set."""
    until = at + timedelta(seconds=lease_s)
    connection = await session.connection()
    total = int(
        await connection.scalar(
            select(func.count()).select_from(EffectLease).where(EffectLease.stream == stream)
        )
        or 0
    )
    share = math.ceil(total / max(1, consumers))
    mine = set(
        (
            await connection.execute(
                update(EffectLease)
                .where(EffectLease.stream == stream, EffectLease.owner == owner)
                .values(lease_until=until)
                .returning(EffectLease.partition)
            )
        ).scalars()
    )
    if len(mine) > share:
        extra = sorted(mine)[share:]
        await connection.execute(
            update(EffectLease)
            .where(EffectLease.stream == stream, EffectLease.partition.in_(extra))
            .values(owner=None, lease_until=None)
        )
        return mine - set(extra)
    free = or_(EffectLease.lease_until.is_(None), EffectLease.lease_until < at)
    if len(mine) < share:
        mine |= await _take(
            connection, stream, owner, condition=free, until=until, limit=share - len(mine)
        )
    # Partitions of a consumer that died (its lease ran out while it still owned
    # them) are taken over at once, beyond the fair share: no work is orphaned
    # while the dead consumer's heartbeat ages out.
    orphaned = (EffectLease.owner.is_not(None)) & (EffectLease.lease_until < at)
    mine |= await _take(connection, stream, owner, condition=orphaned, until=until, limit=None)
    return mine


async def _take(
    connection: AsyncConnection,
    stream: str,
    owner: str,
    *,
    condition: ColumnElement[bool],
    until: datetime,
    limit: int | None,
) -> set[int]:
    candidates = (
        select(EffectLease.partition)
        .where(EffectLease.stream == stream, condition)
        .order_by(EffectLease.partition)
        .limit(limit)
    )
    # The condition again in the UPDATE: two consumers racing for a partition
    # both pass the SELECT, only one passes the re-check.
    taken = await connection.execute(
        update(EffectLease)
        .where(
            EffectLease.stream == stream,
            EffectLease.partition.in_(candidates.scalar_subquery()),
            condition,
        )
        .values(owner=owner, lease_until=until)
        .returning(EffectLease.partition)
    )
    return set(taken.scalars())


async def fence(
    session: AsyncSession,
    stream: str,
    *,
    owner: str,
    partitions: Collection[int],
    at: datetime,
    lease_s: float,
) -> bool:
    """Renew and row-lock the leases of a batch's partitions; False if any was lost."""
    wanted = set(partitions)
    # Core on the session's connection: the ORM execution path costs more than the query.
    connection = await session.connection()
    rows = await connection.execute(
        update(EffectLease)
        .where(
            EffectLease.stream == stream,
            EffectLease.owner == owner,
            one_of(connection, EffectLease.partition, sorted(wanted)),
        )
        .values(lease_until=at + timedelta(seconds=lease_s))
        .returning(EffectLease.partition)
    )
    return set(rows.scalars()) == wanted


async def release(session: AsyncSession, owner: str) -> None:
    """Give every lease back and leave (a clean stop hands the work over at once)."""
    await session.execute(
        update(EffectLease).where(EffectLease.owner == owner).values(owner=None, lease_until=None)
    )
    await session.execute(delete(EffectConsumer).where(EffectConsumer.owner == owner))
