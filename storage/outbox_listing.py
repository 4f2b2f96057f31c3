"""What the bot sent or tried to send: outbox jobs for ops to read, and re-queueing.

The worker's side (claim, settle) is `storage.outbox`; this module is the ops side:
`wxbot outbox` lists jobs with their payloads, `wxbot outbox retry ID` puts a failed
(or skipped) job back in the queue to run at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select, update

from storage.database import SessionFactory
from storage.models import OutboxJob
from storage.types import utc_now

# Statuses a job can be re-queued from; a pending or done job is left alone.
RETRYABLE = ("failed", "skipped")


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    target: str
    status: str
    attempts: int
    payload: dict[str, object]
    last_error: str | None
    created_at: datetime
    done_at: datetime | None


async def list_jobs(
    sessions: SessionFactory,
    *,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[JobView]:
    """The newest jobs first, filtered by kind and status."""
    query = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(OutboxJob.kind == kind)
    if status is not None:
        query = query.where(OutboxJob.status == status)
    async with sessions() as session:
        rows = await session.scalars(query)
        return [
            JobView(
                id=job.id,
                kind=job.kind,
                target=job.target,
                status=job.status,
                attempts=job.attempts,
                payload=cast(dict[str, object], json.loads(job.payload)),
                last_error=job.last_error,
                created_at=job.created_at,
                done_at=job.done_at,
            )
            for job in rows
        ]


async def requeue(sessions: SessionFactory, job_id: int, now: datetime | None = None) -> str | None:
    """Put a failed or skipped job back in the queue, due now; its previous status.

    None when no job has that id. A job in another status is not touched and its
    status is returned, so the caller can say why nothing happened.
    """
    async with sessions.begin() as session:
        status = await session.scalar(select(OutboxJob.status).where(OutboxJob.id == job_id))
        if status is None or status not in RETRYABLE:
            return status
        await session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == job_id, OutboxJob.status == status)
            .values(
                status="pending",
                next_attempt_at=now or utc_now(),
                locked_until=None,
                attempts=0,
            )
        )
        return status
