"""Entering a segment into a journey now, for a campaign (`wxbot journeys start`).

People are read and entered in chunks of `CHUNK` profiles: a few bulk statements
per chunk, so 100 000 people are scheduled in seconds and nothing waits on them.
"""

from __future__ import annotations

from sqlalchemy import select

from journeys.definition import Journey
from journeys.engine import JourneyEngine
from journeys.expressions import Context, Expr
from storage.database import SessionFactory
from storage.models import Profile
from storage.profile_facts import load_facts

CHUNK = 5000


async def start_segment(
    sessions: SessionFactory,
    engine: JourneyEngine,
    journey: Journey,
    segment: Expr,
    *,
    trigger: str,
    chunk: int = CHUNK,
) -> tuple[int, int]:
    """(matched, entered): people in the segment, and those who started a run."""
    matched = entered = 0
    after = 0
    while True:
        async with sessions.begin() as session:
            ids = list(
                await session.scalars(
                    select(Profile.id)
                    .where(Profile.id > after, Profile.merged_into_id.is_(None))
                    .order_by(Profile.id)
                    .limit(chunk)
                )
            )
            if not ids:
                return matched, entered
            after = ids[-1]
            facts = await load_facts(session, ids, now=engine.now())
            chosen = [i for i in ids if i in facts and segment.holds(Context(facts[i]))]
            matched += len(chosen)
            entered += await engine.enter(session, journey, chosen, trigger=trigger, facts=facts)
