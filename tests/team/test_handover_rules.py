"""Hand-over by the rules never overshoots a cap, and the kept load stays the truth.

The plan alone (pure, any team and load) and the whole hand-over in the database
(leads made by a wave, then handed over), each checked against its invariants.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from leads.assignment import TeamLoad
from leads.handover import CustomerMove, Handover, plan_handover
from leads.intake import ASSIGNING, LeadIntake
from leads.lifecycle import OPEN_STATES
from leads.policy import LeadPolicy, SalesRep
from leads.team import Status, Team
from leads.waves import Candidate
from storage.database import SessionFactory
from storage.lead_models import Lead, LeadEvent
from storage.leads.load import read_load, recount_load
from storage.models import Profile

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
TAGS = ("上海", "苏州", "杭州")

REPS = st.lists(
    st.tuples(
        st.sampled_from([None, 1, 2, 3, 5]),  # max_open
        st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
        st.sampled_from(list(Status)),
    ),
    min_size=1,
    max_size=5,
)


def _team(prefix: str, specs: Sequence[tuple[int | None, list[str], Status]]) -> list[SalesRep]:
    return [
        SalesRep(f"{prefix}{i}", f"P{i}", tags=tuple(tags), max_open=cap, status=status)
        for i, (cap, tags, status) in enumerate(specs)
    ]


@given(
    specs=REPS,
    opened=st.lists(st.integers(0, 4), min_size=5, max_size=5),
    leads=st.lists(st.lists(st.sampled_from(TAGS), max_size=2), max_size=20),
)
def test_the_plan_never_overshoots_a_cap_nor_gives_to_the_absent(
    specs: list[tuple[int | None, list[str], Status]],
    opened: list[int],
    leads: list[list[str]],
) -> None:
    reps = [SalesRep("gone", "Gone", status=Status.LEFT), *_team("p", specs)]
    policy = LeadPolicy(wecom="sales", sales=tuple(reps))
    counts = {
        rep.userid: min(n, rep.max_open or n) for rep, n in zip(reps[1:], opened, strict=False)
    }
    load = TeamLoad(counts, {})
    plan = plan_handover(policy, list(enumerate(leads)), load, "gone")
    assert list(plan) == list(range(len(leads)))
    given_to = Counter(owner for owner in plan.values() if owner is not None)
    for rep in reps:
        if rep.status != Status.ACTIVE:
            assert given_to[rep.userid] == 0
        elif rep.max_open is not None:
            assert counts.get(rep.userid, 0) + given_to[rep.userid] <= rep.max_open
    # A lead goes to the pool only when no one at work had room left.
    if None in plan.values():
        for rep in policy.team.available():
            assert rep.max_open is not None
            assert counts.get(rep.userid, 0) + given_to[rep.userid] == rep.max_open
    # Tags first: a lead whose tags someone at work with room takes went to such a person.
    # Replayed in the leads' order, so "room" is the room left at that lead's turn.
    running = Counter(counts)
    for lead_id, owner in plan.items():
        takers = [r for r in policy.team.available() if set(r.tags) & set(leads[lead_id])]
        if owner is not None and takers:
            taker = policy.rep(owner)
            assert taker is not None
            assert set(taker.tags) & set(leads[lead_id]) or all(
                r.max_open is not None and running[r.userid] >= r.max_open for r in takers
            )
        if owner is not None:
            running[owner] += 1


class Recorder:
    """A `CustomerMover` that remembers what it was asked to move."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, list[CustomerMove], bool]] = []

    async def move(
        self,
        session: object,
        handover_id: int,
        from_userid: str,
        moves: Sequence[CustomerMove],
        employed: bool,
    ) -> None:
        self.calls.append((handover_id, from_userid, list(moves), employed))


_EXAMPLES = itertools.count()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=REPS, size=st.integers(1, 12))
async def test_a_hand_over_keeps_every_cap_and_the_kept_load_true(
    sessions: SessionFactory, specs: list[tuple[int | None, list[str], Status]], size: int
) -> None:
    # Examples share the database: each has its own people.
    prefix = f"h{next(_EXAMPLES)}_"
    leaving = SalesRep(f"{prefix}from", "From")
    others = _team(prefix, specs)
    start = LeadPolicy(wecom="sales", sales=(leaving,))
    async with sessions.begin() as session:
        profiles = [Profile(score=120, created_at=NOW, updated_at=NOW) for _ in range(size)]
        session.add_all(profiles)
        await session.flush()
        await LeadIntake(start, lambda: NOW).make_wave(
            session, [Candidate(p.id, p.score, None, None) for p in profiles], NOW
        )
    team = Team([SalesRep(leaving.userid, "From", status=Status.LEFT), *others], live=True)
    recorder = Recorder()
    handover = Handover(LeadPolicy(wecom="sales", team=team), lambda: NOW, recorder)
    async with sessions.begin() as session:
        done = await handover.run(
            session, actor="boss", from_userid=leaving.userid, reason="离职", employed=False
        )
    async with sessions() as session:
        kept = await read_load(session)
        truth = await recount_load(session, OPEN_STATES, ASSIGNING)
        owners = dict(
            (
                await session.execute(select(Lead.id, Lead.owner).where(Lead.id.in_(done.owners)))
            ).all()
        )
        kinds = set(
            await session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id.in_(done.owners)))
        )
    assert {k: v for k, v in kept.open_leads.items() if v} == {
        k: v for k, v in truth.open_leads.items() if v
    }
    assert kept.last_assigned == truth.last_assigned
    assert owners == dict(done.owners)
    assert len(owners) == size
    assert kept.open_leads.get(leaving.userid, 0) == 0
    for rep in others:
        if rep.status != Status.ACTIVE:
            assert kept.open_leads.get(rep.userid, 0) == 0
        elif rep.max_open is not None:
            assert kept.open_leads.get(rep.userid, 0) <= rep.max_open
    assert kinds >= ({"transferred"} if any(owners.values()) else {"pooled"})
    [(handover_id, who, moves, employed)] = recorder.calls
    assert (handover_id, who, employed) == (done.handover_id, leaving.userid, False)
    assert sorted(m.lead_id for m in moves) == sorted(i for i, o in owners.items() if o)
