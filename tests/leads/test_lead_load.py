"""The maintained team load (`lead_load`) equals a recount of leads and timelines.

Sequences of lifecycle operations (waves of new leads, claims, state changes,
transfers, reassignments, timer sweeps), some of them crashing before commit, each
followed by a comparison with the truth counted from `leads` and `lead_events`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.intake import ASSIGNING, LeadIntake
from leads.lifecycle import OPEN_STATES, STAFF_STATES
from leads.policy import LeadPolicy, SalesRep
from leads.sales_actions import SalesActions
from leads.timers import LeadTimers
from leads.waves import Candidate
from storage import leads_repo as repo
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.lead_models import Lead, LeadEvent
from storage.leads.load import LoadRows, read_load, recount_load
from storage.models import Profile

TEAM = LeadPolicy(
    wecom="sales",
    claim_minutes=30,
    dormant_days=3,
    daily_claim_cap=1000,
    sales=(
        SalesRep("a", "A", max_open=3, manager="boss"),
        SalesRep("b", "B", tags=("上海",), manager="boss"),
        SalesRep("c", "C", max_open=2, manager="boss"),
    ),
)
USERS = ("a", "b", "c")


class Crash(Exception):
    """Raised inside an operation's transaction after its work: the batch rolls back."""


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 1, 9, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


def _open(rows: LoadRows) -> dict[str, int]:
    return {owner: count for owner, count in rows.open_leads.items() if count}


async def assert_load_is_true(sessions: SessionFactory) -> None:
    async with sessions() as session:
        kept = await read_load(session)
        truth = await recount_load(session, OPEN_STATES, ASSIGNING)
    assert _open(kept) == _open(truth)
    assert kept.last_assigned == truth.last_assigned


async def _wave(session: AsyncSession, intake: LeadIntake, size: int, now: datetime) -> None:
    profiles = [Profile(score=120, created_at=now, updated_at=now) for _ in range(size)]
    session.add_all(profiles)
    await session.flush()
    candidates = [Candidate(p.id, p.score, None, None) for p in profiles]
    await intake.make_wave(session, candidates, now)


async def _lead(session: AsyncSession, pick: int) -> Lead | None:
    ids = list(await session.scalars(select(Lead.id).order_by(Lead.id)))
    return None if not ids else await repo.lead_by_id(session, ids[pick % len(ids)])


OPERATIONS = st.one_of(
    st.tuples(st.just("wave"), st.integers(1, 4)),
    st.tuples(st.just("claim"), st.integers(0, 50), st.sampled_from(USERS)),
    st.tuples(st.just("state"), st.integers(0, 50), st.sampled_from(sorted(STAFF_STATES))),
    st.tuples(st.just("transfer"), st.integers(0, 50), st.sampled_from(USERS)),
    st.tuples(st.just("reassign"), st.integers(0, 50)),
    st.tuples(st.just("sweep"), st.sampled_from([31, 60 * 24 * 4])),
)


async def _apply(
    session: AsyncSession, operation: tuple[object, ...], clock: Clock, intake: LeadIntake
) -> None:
    actions = SalesActions(intake, clock)
    kind = operation[0]
    if kind == "wave":
        await _wave(session, intake, int(str(operation[1])), clock())
        return
    if kind == "sweep":
        clock.now += timedelta(minutes=int(str(operation[1])))
        await LeadTimers(intake, clock).sweep(session)
        return
    lead = await _lead(session, int(str(operation[1])))
    if lead is None:
        return
    if kind == "claim":
        await actions.claim(session, str(operation[2]), lead.id)
    elif kind == "state" and lead.owner is not None:
        await actions.set_state(session, "boss", lead.id, operation[2])  # type: ignore[arg-type]
    elif kind == "transfer":
        await actions.transfer(session, "boss", lead.id, str(operation[2]), authorized=True)
    elif kind == "reassign" and not lead.locked:
        await intake.assign(session, lead, reason="测试")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(OPERATIONS, st.booleans()), min_size=1, max_size=12))
async def test_the_kept_load_equals_a_recount_after_any_lifecycle(
    sessions: SessionFactory, steps: list[tuple[tuple[object, ...], bool]]
) -> None:
    # Examples share the database: each starts from whatever the last one left, a day
    # after it (the timers' notices are keyed by day).
    async with sessions() as session:
        latest = await session.scalar(select(func.max(LeadEvent.created_at)))
    clock = Clock() if latest is None else Clock(latest + timedelta(days=1))
    intake = LeadIntake(TEAM, clock)
    for operation, crash in steps:
        try:
            async with sessions.begin() as session:
                await _apply(session, operation, clock, intake)
                if crash:
                    raise Crash
        except Crash:
            pass
        await assert_load_is_true(sessions)


async def test_a_wave_fills_the_team_round_robin_up_to_each_cap(sessions: SessionFactory) -> None:
    clock = Clock()
    async with sessions.begin() as session:
        await _wave(session, LeadIntake(TEAM, clock), 12, clock())
    async with sessions() as session:
        owners = list(await session.scalars(select(Lead.owner).order_by(Lead.id)))
    # a, b, c in turn until a (3) and c (2) are full; b has no cap; the rest go to b.
    assert owners == ["a", "b", "c", "a", "b", "c", "a", "b", "b", "b", "b", "b"]
    await assert_load_is_true(sessions)


async def test_a_crashed_wave_leaves_no_count_behind(sessions: SessionFactory) -> None:
    clock = Clock()
    intake = LeadIntake(TEAM, clock)
    async with sessions.begin() as session:
        await _wave(session, intake, 2, clock())
    try:
        async with sessions.begin() as session:
            await _wave(session, intake, 5, clock())
            raise Crash
    except Crash:
        pass
    async with sessions() as session:
        kept = await read_load(session)
    assert kept.open_leads == {"a": 1, "b": 1}
    await assert_load_is_true(sessions)


CAPPED = LeadPolicy(
    wecom="sales", sales=(SalesRep("a", "A", max_open=2), SalesRep("b", "B", max_open=2))
)


async def _profiles(sessions: SessionFactory, count: int, now: datetime) -> list[int]:
    async with sessions.begin() as session:
        profiles = [Profile(score=120, created_at=now, updated_at=now) for _ in range(count)]
        session.add_all(profiles)
        await session.flush()
        return [profile.id for profile in profiles]


@pytest.mark.shared_services
async def test_two_consumers_assigning_at_once_never_overshoot_a_cap(database_url: str) -> None:
    # Two engines: two connection pools, as two worker processes have.
    first, second = create_engine(database_url), create_engine(database_url)
    try:
        one, other = create_session_factory(first), create_session_factory(second)
        clock = Clock()
        intake = LeadIntake(CAPPED, clock)
        people = await _profiles(one, 8, clock())

        async def wave(sessions: SessionFactory, ids: list[int]) -> None:
            async with sessions.begin() as session:
                candidates = [Candidate(pid, 120, None, None) for pid in ids]
                await intake.make_wave(session, candidates, clock())

        async with one.begin() as session:
            await intake.make_wave(
                session, [Candidate(pid, 120, None, None) for pid in people[:4]], clock()
            )
            # The other consumer's wave reads the load only once this one committed.
            rival = asyncio.create_task(wave(other, people[4:]))
            await asyncio.sleep(0.5)
            assert not rival.done()
        await rival
        async with one() as session:
            owned = await recount_load(session, OPEN_STATES, ASSIGNING)
            pooled = await session.scalar(select(func.count()).where(Lead.owner.is_(None)))
        assert owned.open_leads == {"a": 2, "b": 2}
        assert pooled == 4
        await assert_load_is_true(one)
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.shared_services
async def test_a_claim_waits_for_a_wave_and_then_sees_its_load(database_url: str) -> None:
    first, second = create_engine(database_url), create_engine(database_url)
    try:
        one, other = create_session_factory(first), create_session_factory(second)
        clock = Clock()
        intake = LeadIntake(CAPPED, clock)
        people = await _profiles(one, 5, clock())
        # One lead in the pool, made by an intake with no team to give it to.
        async with one.begin() as session:
            await LeadIntake(LeadPolicy(wecom="sales"), clock).make_wave(
                session, [Candidate(people[0], 120, None, None)], clock()
            )
            pooled_id = await session.scalar(select(Lead.id))
        assert pooled_id is not None

        async def claim() -> bool:
            async with other.begin() as session:
                answer = await SalesActions(intake, clock).claim(session, "a", pooled_id)
                return answer.ok

        async with one.begin() as session:
            await intake.make_wave(
                session, [Candidate(pid, 120, None, None) for pid in people[1:]], clock()
            )
            claiming = asyncio.create_task(claim())
            await asyncio.sleep(0.5)
            assert not claiming.done()
        # The wave filled a's room (2): the claim, read after it, is refused.
        assert await claiming is False
        await assert_load_is_true(one)
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.shared_services
async def test_a_staff_action_on_a_lead_a_wave_is_updating_waits_and_does_not_deadlock(
    database_url: str,
) -> None:
    """The lock, then lead rows, in every writer: a staff action that locked the lead's
    row first would wait for the lock held by a wave waiting for that row."""
    first, second = create_engine(database_url), create_engine(database_url)
    try:
        one, other = create_session_factory(first), create_session_factory(second)
        clock = Clock()
        intake = LeadIntake(CAPPED, clock)
        people = await _profiles(one, 1, clock())
        async with one.begin() as session:
            await intake.make_wave(session, [Candidate(people[0], 120, None, None)], clock())
            lead = await session.scalar(select(Lead))
        assert lead is not None and lead.owner is not None

        async def set_state() -> bool:
            async with other.begin() as session:
                answer = await SalesActions(intake, clock).set_state(
                    session, lead.owner or "", lead.id, sorted(STAFF_STATES)[0]
                )
                return answer.ok

        async with one.begin() as session:
            await repo.lock_assignments(session)  # a wave's batch, holding the lock...
            acting = asyncio.create_task(set_state())
            await asyncio.sleep(0.5)
            # ...then updating the lead (an upgrade): it must not find the row taken.
            await session.execute(select(Lead).where(Lead.id == lead.id).with_for_update())
        assert await acting is True
        await assert_load_is_true(one)
    finally:
        await first.dispose()
        await second.dispose()
