"""Hypothesis strategies: rules a table can hold, and small tables whose keywords collide."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from hypothesis import strategies as st

from keywords.normalize import normalize
from keywords.rules import HoursWindow, MatchMode, ReplyMode, ReplyType, Rule, Trigger

# No control characters (XML cannot hold most of them) and no "\r" (XML reads it as "\n").
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"), include_characters="\n"
)
PATTERNS = ("1[3-9]\\d{9}", "(价|试)格", "(a)\\1", "(?i)abc", "(?P<n>星)途", "^星.*a$", "[ab")


def _piece(separator: str) -> st.SearchStrategy[str]:
    """A list item that survives being joined with `separator` and split again."""
    return st.text(_CHARS, min_size=1, max_size=12).filter(
        lambda s: s == s.strip() and separator not in s and s[0] != "|" and s[-1] != "|"
    )


_KEYWORD = _piece("|").filter(lambda s: bool(normalize(s)))
_REPLY = _piece("||")
_TITLE = st.text(_CHARS, min_size=1, max_size=8).filter(lambda s: bool(s.strip()))

windows = (
    st.tuples(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1))
    .filter(lambda pair: pair[0] != pair[1])
    .map(lambda pair: HoursWindow(time(*divmod(pair[0], 60)), time(*divmod(pair[1], 60))))
)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2030, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def _news(articles: list[tuple[str, str, str, str]]) -> str:
    keys = ("title", "description", "url", "picurl")
    return json.dumps(
        [dict(zip(keys, article, strict=True)) for article in articles], ensure_ascii=False
    )


_NEWS = (
    st.lists(
        st.tuples(_TITLE, st.text(_CHARS, max_size=5), st.text(_CHARS, max_size=5), st.just("")),
        min_size=1,
        max_size=2,
    )
    .map(_news)
    .filter(lambda s: "||" not in s)
)


@st.composite
def table_rule(draw: st.DrawFn, name: str) -> Rule:
    """A rule that a table holds without errors (warnings allowed)."""
    trigger = draw(st.sampled_from(Trigger))
    match = draw(st.sampled_from(MatchMode))
    minimum = 1 if trigger.needs_keywords else 0
    if match is MatchMode.REGEX:
        keywords: tuple[str, ...] = (draw(st.sampled_from(PATTERNS[:-1])),)
        if not minimum and draw(st.booleans()):
            keywords = ()
    else:
        keywords = tuple(draw(st.lists(_KEYWORD, min_size=minimum, max_size=3)))
    reply_type = draw(st.sampled_from(ReplyType))
    if reply_type is ReplyType.NEWS:
        replies: tuple[str, ...] = (draw(_NEWS),)
    else:
        minimum = 0 if reply_type is ReplyType.NONE else 1
        replies = tuple(draw(st.lists(_REPLY, min_size=minimum, max_size=3)))
    return Rule(
        name=name,
        keywords=keywords,
        replies=replies,
        trigger=trigger,
        match=match,
        reply_type=reply_type,
        reply_mode=draw(st.sampled_from(ReplyMode)),
        tags=tuple(draw(st.lists(_KEYWORD, max_size=2))),
        score=draw(st.integers(-(10**9), 10**9)),
        priority=draw(st.integers(-(10**9), 10**9)),
        enabled=draw(st.booleans()),
        hours=draw(st.none() | windows),
    )


@st.composite
def tables(draw: st.DrawFn) -> list[Rule]:
    """Valid tables: unique names, any mix of rules."""
    names = draw(st.lists(_piece(""), max_size=5, unique=True))
    return [draw(table_rule(name)) for name in names]


# A small alphabet so that keywords and messages collide often; 😊 and Ａ test normalization.
_ALPHABET = "价格试驾星途揽月ab Ａ😊1"
small_text = st.text(st.sampled_from(_ALPHABET), max_size=4)


@st.composite
def colliding_rules(draw: st.DrawFn) -> list[Rule]:
    """Rules of every trigger and mode over a tiny alphabet, built directly (not parsed)."""
    rules = []
    for number in range(draw(st.integers(1, 8))):
        match = draw(st.sampled_from(MatchMode))
        if match is MatchMode.REGEX:
            keywords = tuple(draw(st.lists(st.sampled_from(PATTERNS), max_size=1)))
        else:
            keywords = tuple(draw(st.lists(small_text, max_size=3)))
        rules.append(
            Rule(
                name=f"r{number}",
                keywords=keywords,
                replies=("ok",),
                trigger=draw(
                    st.sampled_from(
                        [Trigger.TEXT, Trigger.TEXT, Trigger.SUBSCRIBE, Trigger.DEFAULT]
                    )
                ),
                match=match,
                priority=draw(st.integers(0, 2)),
                enabled=draw(st.booleans() | st.just(True)),
                hours=draw(st.none() | st.none() | windows),
            )
        )
    return rules
