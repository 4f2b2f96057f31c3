"""The outbox as the site pages through it: jobs in any of several states, and how
many jobs each state holds (the tabs' counts)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from storage.database import SessionFactory
from storage.models import OutboxJob
from storage.outbox_listing import JobState, JobView, in_state, view_of

# The states worth a count on their tab: few jobs, off the status index. Done jobs are
# nearly all of them (a count of 200 000 rows took 100 ms at bench scale 1): no count.
COUNTED = ("pending", "failed")


async def state_counts(sessions: SessionFactory) -> dict[JobState, int]:
    """Jobs waiting, retrying and failed (pending split by whether it was tried)."""
    tried = OutboxJob.last_error.is_not(None)
    query = (
        select(OutboxJob.status, tried, func.count())
        .where(OutboxJob.status.in_(COUNTED))
        .group_by(OutboxJob.status, tried)
    )
    counts = dict.fromkeys((JobState.PENDING, JobState.RETRYING, JobState.FAILED), 0)
    async with sessions() as session:
        for status, was_tried, n in await session.execute(query):
            if status == "pending":
                counts[JobState.RETRYING if was_tried else JobState.PENDING] += int(n)
            else:
                counts[JobState.FAILED] += int(n)
    return counts


async def jobs_in(
    sessions: SessionFactory, states: Sequence[JobState], limit: int, before_id: int | None
) -> list[JobView]:
    """The newest jobs in any of `states` (all jobs when empty), keyset-paged on id."""
    query = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if states:
        query = query.where(or_(*(in_state(state) for state in states)))
    if before_id is not None:
        query = query.where(OutboxJob.id < before_id)
    async with sessions() as session:
        return [view_of(job) for job in await session.scalars(query)]
