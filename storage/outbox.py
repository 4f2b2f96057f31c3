"""The durable outbox: API calls waiting to be made, claimed by any number of workers.

A job is leased, not deleted, while it runs: a worker that dies mid-call leaves
the lease to expire and another worker picks the job up (at-least-once).
`FOR UPDATE SKIP LOCKED` keeps concurrent PostgreSQL workers off each other's
rows; SQLite serialises writers, where the same statement is simply atomic.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import SessionFactory
from storage.models import OutboxJob
from storage.records import JobRequest
from storage.types import utc_now
from storage.upsert import insert_or_skip


def job_rows(jobs: Sequence[JobRequest], due: datetime) -> list[dict[str, object]]:
    """Outbox rows for `jobs`, due at `due`."""
    return [
        {
            "kind": job.kind,
            "target": job.target,
            "payload": json.dumps(job.payload, ensure_ascii=False),
            "dedup_key": job.dedup_key,
            "status": job.status,
            "last_error": job.note,
            "next_attempt_at": due,
            "created_at": due,
        }
        for job in jobs
    ]


def add_jobs(session: AsyncSession, jobs: Sequence[JobRequest], now: datetime) -> None:
    """Add outbox rows to the session's transaction, due at `now`."""
    session.add_all(OutboxJob(**row) for row in job_rows(jobs, now))


async def add_jobs_once(session: AsyncSession, jobs: Sequence[JobRequest], now: datetime) -> int:
    """Add the jobs whose `dedup_key` was never queued, in one statement; how many were new.

    For work many processes notice at once (a rota's shift change): each queues the same
    key and the outbox keeps one.
    """
    if not jobs:
        return 0
    connection = await session.connection()
    statement = insert_or_skip(connection, OutboxJob, ("dedup_key",)).returning(OutboxJob.id)
    return len((await connection.execute(statement, job_rows(jobs, now))).all())


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    target: str
    payload: dict[str, object]
    attempts: int


class Outbox:
    """Enqueue, claim and settle outbox jobs."""

    def __init__(self, sessions: SessionFactory, clock: Callable[[], datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def enqueue(self, jobs: list[JobRequest]) -> None:
        async with self._sessions.begin() as session:
            add_jobs(session, jobs, self._clock())

    async def claim(self, limit: int, lease_s: float) -> list[ClaimedJob]:
        now = self._clock()
        due = (
            select(OutboxJob.id)
            .where(
                OutboxJob.status == "pending",
                OutboxJob.next_attempt_at <= now,
                or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now),
            )
            .order_by(OutboxJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions.begin() as session:
            rows = await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id.in_(due.scalar_subquery()))
                .values(
                    locked_until=now + timedelta(seconds=lease_s),
                    attempts=OutboxJob.attempts + 1,
                )
                .returning(
                    OutboxJob.id,
                    OutboxJob.kind,
                    OutboxJob.target,
                    OutboxJob.payload,
                    OutboxJob.attempts,
                )
            )
            claimed = [
                ClaimedJob(
                    id=row.id,
                    kind=row.kind,
                    target=row.target,
                    payload=cast(dict[str, object], json.loads(row.payload)),
                    attempts=row.attempts,
                )
                for row in rows
            ]
        return sorted(claimed, key=lambda job: job.id)

    async def complete(
        self,
        job_ids: Sequence[int],
        writes: Sequence[Callable[[AsyncSession], Awaitable[None]]] = (),
        note: str | None = None,
    ) -> None:
        """Mark jobs done, in one transaction with `writes` (what their calls did).

        `note` replaces the last error (a done job otherwise keeps the one it retried on).
        """
        values: dict[str, object] = {"status": "done", "done_at": self._clock()}
        if note is not None:
            values["last_error"] = note
        async with self._sessions.begin() as session:
            for write in writes:
                await write(session)
            await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id.in_(job_ids))
                .values(locked_until=None, **values)
            )

    async def retry(self, job_id: int, error: str, delay_s: float) -> None:
        await self._settle(
            job_id,
            status="pending",
            last_error=error,
            locked_until=None,
            next_attempt_at=self._clock() + timedelta(seconds=delay_s),
        )

    async def fail(self, job_id: int, error: str) -> None:
        """Give up on a job for good, keeping the reason for ops."""
        await self._settle(job_id, status="failed", last_error=error, locked_until=None)

    async def _settle(self, job_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(OutboxJob).where(OutboxJob.id == job_id).values(**values))

    async def pending_by_kind(self) -> dict[str, tuple[int, datetime]]:
        """Pending jobs per kind: (how many, when the oldest was queued), for metrics."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutboxJob.kind, func.count(), func.min(OutboxJob.created_at))
                .where(OutboxJob.status == "pending")
                .group_by(OutboxJob.kind)
            )
            return {kind: (int(count), oldest) for kind, count, oldest in rows}

    async def counts(self) -> dict[str, int]:
        """Jobs per status, for health checks and metrics."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
            )
            return {status: int(count) for status, count in rows}
