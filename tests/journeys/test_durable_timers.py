"""Timers live in the database: they survive a restart and fire once across processes."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from journeys.engine import JourneyEngine
from storage.database import create_engine, create_session_factory
from storage.models import OutboxJob
from tests.journeys.conftest import WorldFactory

ONE_STEP = """
[[journey]]
name = "later"
trigger = "segment"
  [[journey.step]]
  wait = "2h"
  action = "text"
  text = "two hours on"
"""


async def test_a_step_due_while_the_bot_was_down_runs_when_it_is_back(
    make_world: WorldFactory,
) -> None:
    before = await make_world(ONE_STEP)
    who = await before.person("o_restart")
    await before.enter("later", who)
    before.clock.advance(hours=5)  # the process died; the step came due meanwhile
    after = await make_world(ONE_STEP)  # a new process: new engine, same database
    assert after.runtime.engine is not before.runtime.engine
    assert await after.fire() == 1
    assert after.texts_to("o_restart") == ["two hours on"]
    assert await after.fire() == 0
    assert after.texts_to("o_restart") == ["two hours on"]


async def test_two_processes_racing_fire_each_step_once(
    make_world: WorldFactory, database_url: str
) -> None:
    world = await make_world(ONE_STEP)
    people = [await world.person(f"o_race{i}") for i in range(60)]
    await world.enter("later", *people)
    world.clock.advance(hours=2)
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        factories = [create_session_factory(engine) for engine in engines]
        processes = [
            JourneyEngine(world.runtime.catalog, world.clock, wecom_app="sales") for _ in factories
        ]

        async def fire(engine: JourneyEngine, index: int) -> int:
            total = 0
            while True:
                async with factories[index].begin() as session:
                    fired = await engine.fire_due(session, limit=7)
                if not fired:
                    return total
                total += fired

        counts = await asyncio.gather(*(fire(e, i) for i, e in enumerate(processes)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(counts) == len(people)
    async with world.sessions() as session:
        jobs = await session.scalar(select(func.count()).where(OutboxJob.kind == "journey.send"))
    assert jobs == len(people)
    while await world.worker.run_once():
        pass
    assert sorted(m.openid for m in world.fake.custom_messages) == sorted(
        f"o_race{i}" for i in range(60)
    )
