"""The rota as properties: who is named, never the unavailable, the cap, when it changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from channels.model import Rota, Shift
from channels.rota import last_change, next_change, on_duty, on_shift
from keywords.hours import shanghai

PEOPLE = ["zhangsan", "lisi", "wangwu", "zhaoliu", "sunqi"]


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    start = draw(st.integers(0, 23 * 60 - 1))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    return Shift(
        frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        time(start // 60, start % 60),
        time(end // 60, end % 60),
        tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True))),
    )


rotas = st.builds(
    Rota,
    st.lists(shifts(), max_size=4).map(tuple),
    st.integers(0, 5),
    st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True).map(tuple),
)
# hypothesis takes naive bounds and puts the zone on each value it draws.
START, END = datetime(2026, 1, 1), datetime(2027, 1, 1)  # noqa: DTZ001
moments = st.datetimes(START, END, timezones=st.just(UTC))
counts = st.dictionaries(st.sampled_from(PEOPLE), st.integers(0, 8))
away = st.sets(st.sampled_from(PEOPLE), max_size=3)


def has_room(rota: Rota, person: str, adds: dict[str, int]) -> bool:
    return not rota.cap or adds.get(person, 0) < rota.cap


@given(rotas, moments, counts, away)
def test_nobody_unavailable_is_ever_named(
    rota: Rota, now: datetime, adds: dict[str, int], unavailable: set[str]
) -> None:
    assert not set(on_duty(rota, now, adds, unavailable)) & unavailable


@given(rotas, moments, counts, away)
def test_someone_is_named_while_anyone_in_the_rota_is_available(
    rota: Rota, now: datetime, adds: dict[str, int], unavailable: set[str]
) -> None:
    named = on_duty(rota, now, adds, unavailable)
    assert bool(named) == bool(set(rota.everyone()) - unavailable)
    assert len(named) == len(set(named))


@given(rotas, moments, counts, away)
def test_on_shift_with_room_are_exactly_the_ones_named(
    rota: Rota, now: datetime, adds: dict[str, int], unavailable: set[str]
) -> None:
    ready = [p for p in on_shift(rota, now) if p not in unavailable and has_room(rota, p, adds)]
    if ready:
        assert on_duty(rota, now, adds, unavailable) == tuple(ready)


@given(rotas, moments, counts, away)
def test_a_capped_person_is_named_only_when_nobody_has_room(
    rota: Rota, now: datetime, adds: dict[str, int], unavailable: set[str]
) -> None:
    named = on_duty(rota, now, adds, unavailable)
    capped = [p for p in named if not has_room(rota, p, adds)]
    candidates = [*on_shift(rota, now), *rota.backups]
    if capped:
        assert not any(has_room(rota, p, adds) for p in candidates if p not in unavailable)


@given(rotas, moments, st.floats(0, 1))
def test_nothing_changes_before_the_next_change(rota: Rota, now: datetime, share: float) -> None:
    change = next_change(rota, now)
    if change is None:
        later = now + timedelta(days=3)
    else:
        assert change > now
        later = now + (change - now) * share
        if later >= change:
            return
    assert on_duty(rota, later, {}) == on_duty(rota, now, {})


daily_times = st.lists(st.times(), max_size=2).map(tuple)


@given(rotas, moments, daily_times)
def test_the_last_change_is_a_change_and_none_follows_it_until_now(
    rota: Rota, now: datetime, daily: tuple[time, ...]
) -> None:
    change = last_change(rota, now, daily)
    if change is None:
        assert next_change(rota, now - timedelta(days=8), daily) is None
        return
    assert change <= now
    assert next_change(rota, change - timedelta(microseconds=1), daily) == change
    after = next_change(rota, change, daily)
    assert after is None or after > now


@given(rotas, moments, daily_times)
def test_every_moment_between_two_changes_names_the_same_change(
    rota: Rota, now: datetime, daily: tuple[time, ...]
) -> None:
    change, upcoming = last_change(rota, now, daily), next_change(rota, now, daily)
    if change is not None and upcoming is not None:
        middle = change + (upcoming - change) / 2
        assert last_change(rota, middle, daily) == change


def test_a_shift_boundary_and_midnight_are_changes() -> None:
    rota = Rota((Shift(frozenset({0}), time(9), time(18), ("zhangsan",)),), cap=3)
    monday_8 = datetime(2026, 12, 7, 8, 0, tzinfo=shanghai())
    assert next_change(rota, monday_8) == monday_8.replace(hour=9)
    assert next_change(rota, monday_8.replace(hour=9)) == monday_8.replace(hour=18)
    assert next_change(rota, monday_8.replace(hour=18)) == datetime(2026, 12, 8, tzinfo=shanghai())


def test_a_cap_reached_hands_over_to_the_others_then_the_backups() -> None:
    rota = Rota((Shift(frozenset(range(7)), time(9), time(18), ("a", "b")),), 2, ("c",))
    noon = datetime(2026, 12, 7, 12, 0, tzinfo=shanghai())
    assert on_duty(rota, noon, {}) == ("a", "b")
    assert on_duty(rota, noon, {"a": 2}) == ("b",)
    assert on_duty(rota, noon, {"a": 2, "b": 2}) == ("c",)
    assert on_duty(rota, noon, {"a": 2, "b": 2, "c": 2}) == ("c",)
    assert on_duty(rota, noon, {"a": 2}, unavailable={"b"}) == ("c",)
    assert on_duty(rota, noon.replace(hour=20), {}) == ("c",)


def test_the_edges_of_a_daily_window_are_changes_too() -> None:
    rota = Rota((Shift(frozenset({0}), time(9), time(18), ("zhangsan",)),))
    monday_20 = datetime(2026, 12, 7, 20, 0, tzinfo=shanghai())
    assert last_change(rota, monday_20) == monday_20.replace(hour=18)
    assert last_change(rota, monday_20, (time(8), time(19))) == monday_20.replace(hour=19)
    assert next_change(rota, monday_20, (time(8), time(19))) == datetime(
        2026, 12, 8, 8, tzinfo=shanghai()
    )
