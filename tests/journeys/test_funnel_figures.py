"""The admin funnel's "step N fired" figure, against what the engine stores."""

from __future__ import annotations

from bot.admin.journey_figures import fired_per_step
from storage import journey_repo as repo
from storage.journey_models import EXITED
from tests.journeys.conftest import WorldFactory
from tests.journeys.test_steps import STEPS


async def test_a_run_counts_for_the_steps_it_fired_and_keeps_them_when_it_ends(
    make_world: WorldFactory,
) -> None:
    world = await make_world(STEPS)
    people = [await world.person(f"o_f{n}") for n in range(3)]
    assert await world.enter("waits", *people) == 3
    world.clock.advance(minutes=30)
    assert await world.fire() == 3  # step 1 for everyone
    async with world.sessions.begin() as session:
        ended = await repo.end_active(
            session, "waits", people[0], status=EXITED, reason="test", now=world.clock()
        )
        assert ended is not None
    world.clock.advance(hours=2)
    assert await world.fire() == 2  # step 2 for the two still in
    async with world.sessions() as session:
        stats = await repo.journey_stats(session, "waits", "won")
    assert fired_per_step(stats.runs_by_step, 4) == [3, 2, 0, 0]
    assert stats.active_by_step == {2: 2}
    assert (stats.entered, stats.ended_by_reason) == (3, {"exited: test": 1})


async def test_skipped_steps_count_as_fired(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    # No tag, score 0: steps 1 and 2 are skipped by their conditions, step 3 sends.
    who = await world.person("o_skip")
    await world.enter("conditions", who)
    for _ in range(3):
        assert await world.fire() == 1
    [run] = await world.runs(who)
    assert run.status == "done"
    async with world.sessions() as session:
        stats = await repo.journey_stats(session, "conditions", "won")
    assert fired_per_step(stats.runs_by_step, 3) == [1, 1, 1]
    assert world.texts_to("o_skip") == ["poor or A"]
