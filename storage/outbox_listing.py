"""What the bot sent or tried to send: outbox jobs for ops to read, and re-queueing.

The worker's side (claim, settle) is `storage.outbox`; this module is the ops
side, shared by `wxbot outbox` and the admin site: jobs with their payloads,
filtered by kind, status or state and paged by id, and putting a failed (or
skipped) job back in the queue to run at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, select, update

from storage.database import SessionFactory
from storage.models import OutboxJob
from storage.types import utc_now

# Statuses a job can be re-queued from; a pending or done job is left alone.
RETRYABLE = ("failed", "skipped")


class JobState(StrEnum):
    """What ops ask about: the stored status, with pending split by whether it was tried."""

    PENDING = "pending"  # not tried yet
    RETRYING = "retrying"  # tried, failed, due again later
    FAILED = "failed"  # given up; ops may retry
    DONE = "done"


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
    next_attempt_at: datetime
    done_at: datetime | None


def in_state(state: JobState) -> ColumnElement[bool]:
    """The condition on outbox rows of jobs in `state`."""
    if state is JobState.PENDING:
        return and_(OutboxJob.status == "pending", OutboxJob.last_error.is_(None))
    if state is JobState.RETRYING:
        return and_(OutboxJob.status == "pending", OutboxJob.last_error.is_not(None))
    return OutboxJob.status == state.value


async def list_jobs(
    sessions: SessionFactory,
    *,
    kind: str | None = None,
    status: str | None = None,
    state: JobState | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[JobView]:
    """The newest jobs first, filtered, keyset-paged on id (the status index narrows the scan)."""
    query = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(OutboxJob.kind == kind)
    if status is not None:
        query = query.where(OutboxJob.status == status)
    if state is not None:
        query = query.where(in_state(state))
    if before_id is not None:
        query = query.where(OutboxJob.id < before_id)
    async with sessions() as session:
        rows = await session.scalars(query)
        return [view_of(job) for job in rows]


def view_of(job: OutboxJob) -> JobView:
    """A job as ops read it, its payload decoded."""
    return JobView(
        id=job.id,
        kind=job.kind,
        target=job.target,
        status=job.status,
        attempts=job.attempts,
        payload=_payload(job.payload),
        last_error=job.last_error,
        created_at=job.created_at,
        next_attempt_at=job.next_attempt_at,
        done_at=job.done_at,
    )


def _payload(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}


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
