"""The team's checks: a circle of managers found exactly when there is one through the
person changed (against a naive walk), and every problem reported at once."""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from leads.policy import SalesRep
from leads.team import Status
from leads.team_rules import manager_cycle, member_problems

PEOPLE = ("a", "b", "c", "d", "e")
TODAY = date(2026, 12, 6)


def _naive_cycle(managers: dict[str, str | None], start: str) -> bool:
    """Follow managers at most len(PEOPLE) + 1 steps; a cycle through `start` returns to it."""
    current = managers.get(start)
    for _ in range(len(PEOPLE) + 1):
        if current is None:
            return False
        if current == start:
            return True
        current = managers.get(current)
    return False


@given(st.dictionaries(st.sampled_from(PEOPLE), st.none() | st.sampled_from(PEOPLE)))
def test_a_circle_of_managers_is_found_exactly_when_there_is_one(
    managers: dict[str, str | None],
) -> None:
    team = [SalesRep(userid, userid, manager=managers.get(userid)) for userid in PEOPLE]
    for person in PEOPLE:
        cycle = manager_cycle(team, person)
        assert (cycle is not None) == _naive_cycle(managers, person)
        if cycle is not None:
            assert cycle[0] == cycle[-1] == person
            assert all(managers.get(a) == b for a, b in itertools.pairwise(cycle))


def test_every_problem_at_once() -> None:
    away = SalesRep("b", "B", status=Status.AWAY, away_until=date(2026, 12, 20))
    rep = SalesRep(
        "a", " ", max_open=-1, manager="a", deputy="b", status=Status.AWAY,
        away_until=date(2026, 12, 6),
    )  # fmt: skip
    assert [str(p) for p in member_problems([rep, away], rep, TODAY)] == [
        "the name must not be empty",
        "max_open must be 0 or more, got -1",
        "deputy b is on leave",
        "managers go round in a circle: a → a",
        "leave must end after today (2026-12-06), got 2026-12-06",
    ]
