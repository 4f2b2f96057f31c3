"""Work that follows an accepted event, behind the reply: tagging rules, lead qualification.

Every stored event enqueues one `profile.evaluate` job in the same transaction, so
the follow-up work is as durable as the event. The job's executor runs the
configured steps in order, in one transaction, with the event they react to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import SessionFactory
from storage.interactions import JobRequest
from storage.models import InboundEvent

PROFILE_EVALUATE = "profile.evaluate"

# A step reacts to one stored event inside the evaluation's transaction; it may
# write tags, points and lead state, and add outbox jobs to the same session.
EvaluationStep = Callable[[AsyncSession, InboundEvent], Awaitable[None]]


def evaluation_job(account: str, dedup_key: str) -> JobRequest:
    return JobRequest(
        kind=PROFILE_EVALUATE,
        target=account,
        payload={"dedup_key": dedup_key},
        dedup_key=f"{dedup_key}:evaluate",
    )


async def evaluate_event(
    sessions: SessionFactory, steps: Sequence[EvaluationStep], dedup_key: str
) -> None:
    """Run every step for the stored event; a missing event is a no-op (nothing to react to)."""
    async with sessions.begin() as session:
        event = await session.scalar(
            select(InboundEvent).where(InboundEvent.dedup_key == dedup_key)
        )
        if event is None:
            return
        for step in steps:
            await step(session, event)
