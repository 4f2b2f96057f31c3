"""The effects stage: applies what stored events cause, behind the reply, exactly once.

The request path only appends an event with its handler's decision. A
consumer here takes pending events in batches (hundreds per transaction) from
the partitions it leases (`storage.effect_leases`), applies everything they
cause, and marks them applied in the same transaction: a crash mid-batch
rolls it all back and the batch is replayed with no duplicate effect.

Order: one person's events share a partition, a partition is applied by one
consumer at a time, and a batch is applied oldest first; so per person,
effects apply in event order. Any number of consumers (processes, hosts)
share the partitions.

Poison: when a batch raises, its events are retried one by one; one that
keeps raising is set aside (`failed`, with its error) after
`EFFECTS_MAX_ATTEMPTS`, and the person's later events wait only until then.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.effects.limits import (
    EFFECTS_BATCH,
    EFFECTS_CONSUMER_STALE_S,
    EFFECTS_HOLD_S,
    EFFECTS_IDLE_POLL_S,
    EFFECTS_LEASE_S,
    EFFECTS_LINGER_S,
    EFFECTS_MAX_ATTEMPTS,
    EFFECTS_REBALANCE_S,
)
from bot.metrics import Metrics
from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.runtime.periodic import Periodic
from storage import effect_leases as leases
from storage import pending_events as pending
from storage.database import SessionFactory
from storage.types import utc_now

log = logging.getLogger(__name__)

# Marks the batch's events applied, storing what applying learned per event id (such
# as the profile): one more write of each event row, no more.
Mark = Callable[[Mapping[int, Mapping[str, object]]], Awaitable[None]]
# Applies claimed events, oldest first, in the batch's transaction. It may call `mark`
# once, as soon as it knows the columns (later reads then see them); the stage marks
# the events itself if it did not.
ApplyEvents = Callable[[AsyncSession, Sequence[int], datetime, Mark], Awaitable[None]]


@dataclass(frozen=True)
class EventStream:
    """One event table, how its events are grouped per person, and what applying them does."""

    name: str
    partitions: int
    table: pending.EventTable
    # The columns that name one person: their events keep their order.
    person: Sequence[Any]
    apply: ApplyEvents


class LeaseLost(Exception):
    """Another consumer took a partition over while this one held a batch of it."""


class EffectsStage:
    """One consumer of the effects stage; `wake()` after an append skips the poll wait."""

    def __init__(
        self,
        sessions: SessionFactory,
        streams: Sequence[EventStream],
        metrics: Metrics,
        *,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = EFFECTS_BATCH,
        owner: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._streams = streams
        self._metrics = metrics
        self._clock = clock
        self._batch_size = batch_size
        self.owner = owner or uuid.uuid4().hex
        self._partitions: dict[str, set[int]] = {}
        self._rebalanced_at = 0.0
        self._loop = Periodic("effects", self._round, EFFECTS_IDLE_POLL_S)

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        self._loop.wake()

    async def stop(self) -> None:
        """Finish the batch in flight, then hand the partitions back at once."""
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)
        try:
            async with self._sessions.begin() as session:
                await leases.release(session, self.owner)
        except Exception:
            log.warning("effects consumer %s could not release its leases", self.owner[:8])

    async def _round(self) -> bool:
        applied = await self.run_once()
        if 0 < applied < self._batch_size:
            # Under load every append wakes the stage; waiting a moment lets the next
            # batch fill up, so per-batch costs are shared by many events.
            await asyncio.sleep(EFFECTS_LINGER_S)
        return applied > 0

    async def run_once(self) -> int:
        """Apply one batch per stream (rebalancing first when due); how many were handled."""
        now = self._clock()
        if now.timestamp() - self._rebalanced_at >= EFFECTS_REBALANCE_S:
            await self._rebalance(now)
        handled = 0
        for stream in self._streams:
            if self._partitions.get(stream.name):
                handled += await self._batch(stream)
        return handled

    async def _rebalance(self, now: datetime) -> None:
        """Heartbeat, release held events past their wait, renew and share the leases."""
        async with self._sessions.begin() as session:
            if not self._rebalanced_at:
                for stream in self._streams:
                    await leases.ensure_partitions(session, stream.name, stream.partitions)
            consumers = await leases.heartbeat(session, self.owner, now, EFFECTS_CONSUMER_STALE_S)
            await pending.release_held(session, pending.held_cutoff(now, EFFECTS_HOLD_S))
            for stream in self._streams:
                self._partitions[stream.name] = await leases.rebalance(
                    session,
                    stream.name,
                    owner=self.owner,
                    consumers=consumers,
                    at=now,
                    lease_s=EFFECTS_LEASE_S,
                )
        self._rebalanced_at = now.timestamp()

    async def drain(self) -> int:
        """Apply until nothing is pending in this consumer's partitions (tests, `wxbot worker`)."""
        total = 0
        while count := await self.run_once():
            total += count
        return total

    async def _batch(self, stream: EventStream) -> int:
        partitions = self._partitions[stream.name]
        try:
            return await self._apply_together(stream, partitions)
        except LeaseLost:
            log.info("effects: lost a %s lease; rebalancing", stream.name)
            self._rebalanced_at = 0.0
            return 0
        except Exception:
            log.warning("effects batch of %s failed; applying its events one by one", stream.name)
            return await self._apply_one_by_one(stream, partitions)

    async def _apply_together(self, stream: EventStream, partitions: set[int]) -> int:
        async with self._sessions.begin() as session:
            ids = await pending.pending_ids(session, stream.table, partitions, self._batch_size)
            if not ids:
                return 0
            await self._apply(session, stream, partitions, ids)
        self._metrics.effects_events.labels(stream.name, "applied").inc(len(ids))
        return len(ids)

    async def _apply(
        self, session: AsyncSession, stream: EventStream, partitions: set[int], ids: Sequence[int]
    ) -> None:
        now = self._clock()
        if not await leases.fence(
            session,
            stream.name,
            owner=self.owner,
            partitions=partitions,
            at=now,
            lease_s=EFFECTS_LEASE_S,
        ):
            raise LeaseLost
        claimed = await pending.claim_pending(session, stream.table, ids)
        marked = False

        async def mark(columns: Mapping[int, Mapping[str, object]]) -> None:
            nonlocal marked
            await pending.finish_applied(session, stream.table, claimed, now, columns)
            marked = True

        await stream.apply(session, claimed, now, mark)
        if not marked:
            await mark({})

    async def _apply_one_by_one(self, stream: EventStream, partitions: set[int]) -> int:
        table = stream.table
        async with self._sessions() as session:
            ids = await pending.pending_ids(session, table, partitions, self._batch_size)
            rows = await session.execute(
                select(table.id, *stream.person).where(table.id.in_(ids)).order_by(table.id)
            )
            people: list[tuple[int, tuple[object, ...]]] = [
                (row[0], tuple(row[1:])) for row in rows
            ]
        blocked: set[tuple[object, ...]] = set()
        handled = 0
        for event_id, person in people:
            if person in blocked:
                continue  # an earlier event of this person failed: keep their order
            try:
                async with self._sessions.begin() as session:
                    await self._apply(session, stream, partitions, [event_id])
            except LeaseLost:
                return handled
            except Exception as exc:
                if not await self._set_aside_after_limit(stream, event_id, exc):
                    blocked.add(person)
                continue
            handled += 1
            self._metrics.effects_events.labels(stream.name, "applied").inc()
        return handled

    async def _set_aside_after_limit(
        self, stream: EventStream, event_id: int, error: Exception
    ) -> bool:
        """Count the failure; True when the event was set aside for good."""
        async with self._sessions.begin() as session:
            failed = await pending.record_failure(
                session, stream.table, event_id, error, EFFECTS_MAX_ATTEMPTS
            )
        if failed:
            log.error(
                "effects: %s event %d set aside after %d attempts: %s",
                stream.name,
                event_id,
                EFFECTS_MAX_ATTEMPTS,
                error,
            )
            self._metrics.effects_events.labels(stream.name, "failed").inc()
        else:
            log.warning("effects: %s event %d failed, will retry: %s", stream.name, event_id, error)
            self._metrics.effects_events.labels(stream.name, "retry").inc()
        return failed
