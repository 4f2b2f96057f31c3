"""The condition language and the clock rules: pure, property-tested."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeys.expressions import (
    AllOf,
    AnyOf,
    Context,
    Expr,
    ExpressionError,
    Not,
    Term,
    describe,
    parse_expression,
)
from journeys.journeys_file import JourneysError, parse_journeys
from journeys.waits import QuietHours, WaitError, parse_quiet_hours, parse_wait
from keywords.hours import shanghai
from storage.profile_facts import ProfileFacts

TAGS = ["高意向", "已留资", "询价", "a"]
terms = st.sampled_from(
    [f"tag:{t}" for t in TAGS]
    + ["score>=100", "score<50", "grade:A", "lead:none", "lead:any", "phone", "unsubscribed"]
).map(Term)
expressions: st.SearchStrategy[Expr] = st.recursive(
    terms,
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda p: AllOf(tuple(p))),
        st.lists(inner, min_size=2, max_size=3).map(lambda p: AnyOf(tuple(p))),
    ),
    max_leaves=8,
)
facts = st.builds(
    ProfileFacts,
    profile_id=st.just(1),
    score=st.integers(0, 200),
    tags=st.frozensets(st.sampled_from(TAGS)),
    has_phone=st.booleans(),
    subscribed=st.booleans(),
    lead_id=st.one_of(st.none(), st.just(3)),
    lead_grade=st.sampled_from([None, "A", "B"]),
)


def naive(expr: Expr, f: ProfileFacts) -> bool:
    """A second reading of the language, term by term, to check the real one against."""
    if isinstance(expr, Not):
        return not naive(expr.inner, f)
    if isinstance(expr, AllOf):
        return all(naive(p, f) for p in expr.parts)
    if isinstance(expr, AnyOf):
        return any(naive(p, f) for p in expr.parts)
    table = {
        "score>=100": f.score >= 100,
        "score<50": f.score < 50,
        "grade:A": f.lead_grade == "A",
        "lead:none": f.lead_id is None,
        "lead:any": f.lead_id is not None,
        "phone": f.has_phone,
        "unsubscribed": not f.subscribed,
    }
    return table[expr.text] if expr.text in table else expr.text[4:] in f.tags


@given(expr=expressions, f=facts)
def test_written_back_an_expression_parses_to_the_same_meaning(expr: Expr, f: ProfileFacts) -> None:
    again = parse_expression(describe(expr))
    assert again.holds(Context(f)) == naive(expr, f) == expr.holds(Context(f))


@given(st.text(max_size=30))
def test_any_input_parses_or_fails_with_a_column(text: str) -> None:
    try:
        parse_expression(text)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1


@pytest.mark.parametrize(
    ("text", "column"),
    [("", 1), ("tag:a &", 8), ("(tag:a", 7), ("tag:a tag:b", 7), ("score=>3", 1), ("!", 2)],
)
def test_errors_point_at_the_column(text: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert caught.value.column == column


def test_replied_means_a_message_after_the_run_started() -> None:
    started = datetime(2026, 1, 5, tzinfo=UTC)
    replied = parse_expression("replied")
    before = ProfileFacts(1, last_message_at=started - timedelta(minutes=1))
    after = ProfileFacts(1, last_message_at=started + timedelta(minutes=1))
    assert not replied.holds(Context(before, started))
    assert replied.holds(Context(after, started))
    assert not replied.holds(Context(ProfileFacts(1), started))


@pytest.mark.parametrize(
    ("text", "after", "due"),
    [
        ("30m", "2026-01-05T02:00", "2026-01-05T02:30"),
        ("2h", "2026-01-05T02:00", "2026-01-05T04:00"),
        ("3d", "2026-01-05T02:00", "2026-01-08T02:00"),
        # 23:30 in Shanghai on the 5th: "next day" is the 6th there, 10:00 = 02:00 UTC.
        ("next day at 10:00", "2026-01-05T15:30", "2026-01-06T02:00"),
        # 00:30 in Shanghai on the 6th (16:30 UTC on the 5th): next day is the 7th.
        ("next day at 10:00", "2026-01-05T16:30", "2026-01-07T02:00"),
    ],
)
def test_waits(text: str, after: str, due: str) -> None:
    start = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert parse_wait(text).due(start) == datetime.fromisoformat(due).replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["soon", "5", "2w", "next day at 25:00", "-1h"])
def test_bad_waits_are_refused(text: str) -> None:
    with pytest.raises(WaitError):
        parse_wait(text)


@given(st.integers(0, 5 * 365 * 24 * 60))
def test_the_window_opens_outside_quiet_hours_and_never_earlier(minutes: int) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    quiet = QuietHours()
    opens = quiet.next_open(now)
    assert opens >= now and not quiet.contains(opens)
    assert opens - now <= timedelta(hours=10)
    if quiet.contains(now):
        assert opens.astimezone(shanghai()).time() == time(8)


def test_quiet_hours_within_one_day_and_across_midnight() -> None:
    lunch = parse_quiet_hours("12:00-13:30")
    at = datetime(2026, 1, 5, 4, 30, tzinfo=UTC)  # 12:30 Shanghai
    assert lunch.contains(at) and not lunch.contains(at + timedelta(hours=1))
    night = parse_quiet_hours("22:00-08:00")
    assert night.contains(datetime(2026, 1, 5, 14, 0, tzinfo=UTC))  # 22:00
    assert not night.contains(datetime(2026, 1, 5, 0, 0, tzinfo=UTC))  # 08:00


DEMO_LINES = (Path(__file__).resolve().parents[2] / "journeys.toml").read_text("utf-8").splitlines()


@given(
    drop=st.sets(st.integers(0, len(DEMO_LINES) - 1), max_size=3),
    junk=st.lists(st.sampled_from(['x = 1', 'wait = 3', 'action = "fly"', "[[journey]]",
                                   'when = "tag:"', 'tags = [1]', "[[journey.step]]"]),
                  max_size=2),
)  # fmt: skip
def test_a_damaged_journeys_file_parses_or_names_a_line(drop: set[int], junk: list[str]) -> None:
    lines = [line for i, line in enumerate(DEMO_LINES) if i not in drop] + junk
    text = "\n".join(lines)
    try:
        parse_journeys(text)
    except JourneysError as error:
        assert 0 <= error.line <= len(lines)
        assert error.reason


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ('action = "news"\narticles = "x"', "articles: must be a list of tables"),
        ('action = "subscribe"\ntemplate_id = "T"\ndata = "x"', "data: must be a table"),
        ('action = "image"\nmedia_id = 3', "media_id: must be a non-empty string"),
        ('action = "add_tags"', "tags: is required"),
        ('action = "add_points"\npoints = -1', "points: must be at least 1, got -1"),
    ],
)
def test_message_fields_are_checked_when_the_file_is_read(step: str, reason: str) -> None:
    text = f'[[journey]]\nname = "j"\ntrigger = "segment"\n[[journey.step]]\n{step}\n'
    with pytest.raises(JourneysError, match=reason):
        parse_journeys(text)
