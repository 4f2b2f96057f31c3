"""The durable outbox: API calls waiting to be made, claimed by any number of workers.

A job is leased, not deleted, while it runs: a worker that dies mid-call leaves
the lease to expire and another worker picks the job up (at-least-once).
`FOR UPDATE SKIP LOCKED` keeps concurrent PostgreSQL workers off each other's
rows; SQLite serialises writers, where the same statement is simply atomic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, or_, select, update

from storage.database import SessionFactory
from storage.interactions import JobRequest, add_jobs
from storage.models import OutboxJob
from storage.types import utc_now


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

    async def complete(self, job_id: int) -> None:
        await self._settle(job_id, status="done", done_at=self._clock(), locked_until=None)

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

    async def counts(self) -> dict[str, int]:
        """Jobs per status, for health checks and metrics."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
            )
            return {status: int(count) for status, count in rows}

    async def requeue(self, job_id: int) -> bool:
        """Give a failed job another round (ops pressed Retry); False if it is not failed."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxJob)
                .where(OutboxJob.id == job_id, OutboxJob.status == "failed")
                .values(status="pending", attempts=0, next_attempt_at=self._clock())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
