"""Reading the outbox for the admin site: pages of jobs by what state they are in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.sql import Select

from storage.database import SessionFactory
from storage.models import OutboxJob


class JobState(StrEnum):
    PENDING = "pending"  # not tried yet
    RETRYING = "retrying"  # tried, failed, due again later
    FAILED = "failed"  # given up; ops may retry
    DONE = "done"


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    target: str
    payload: dict[str, object]
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    done_at: datetime | None


def _query(state: JobState) -> Select[OutboxJob]:
    query = select(OutboxJob)
    if state is JobState.PENDING:
        return query.where(OutboxJob.status == "pending", OutboxJob.last_error.is_(None))
    if state is JobState.RETRYING:
        return query.where(OutboxJob.status == "pending", OutboxJob.last_error.is_not(None))
    return query.where(OutboxJob.status == state.value)


async def list_jobs(
    sessions: SessionFactory, state: JobState, limit: int, before_id: int | None = None
) -> list[JobRow]:
    """Newest first, keyset-paged on id (the status index narrows the scan)."""
    query = _query(state).order_by(OutboxJob.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(OutboxJob.id < before_id)
    async with sessions() as session:
        rows = await session.scalars(query)
        return [
            JobRow(
                row.id,
                row.kind,
                row.target,
                _payload(row.payload),
                row.attempts,
                row.last_error,
                row.created_at,
                row.next_attempt_at,
                row.done_at,
            )
            for row in rows
        ]


def _payload(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}
