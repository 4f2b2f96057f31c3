"""The fast matcher: modes, ranking, hours, fallbacks and follows."""

from __future__ import annotations

import time as time_module
from datetime import UTC, datetime, time

import pytest

from keywords.matcher import KeywordMatcher, Match, Signal
from keywords.rules import HoursWindow, MatchMode, Rule, Trigger
from keywords.segmenter import Segmenter

NOON = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TEXT = Trigger.TEXT


def rule(name: str, *keywords: str, **fields: object) -> Rule:
    return Rule(name, keywords, ("reply",), **fields)  # type: ignore[arg-type]


def winner(
    segmenter: Segmenter,
    rules: list[Rule],
    text: str,
    trigger: Trigger = TEXT,
    now: datetime = NOON,
) -> str | None:
    found = KeywordMatcher(rules, segmenter).match(Signal(trigger, text), now)
    return None if found is None else found.rule.name


@pytest.mark.parametrize(
    ("match", "keyword", "text", "fires"),
    [
        (MatchMode.CONTAINS, "价格", "请问价格多少", True),
        (MatchMode.CONTAINS, "价格", "请问多少钱", False),
        (MatchMode.EXACT, "价格", "价格", True),
        (MatchMode.EXACT, "价格", "价格表", False),
        (MatchMode.EXACT, "价格", "价格 😊 ", True),
        (MatchMode.EXACT, "abc", "ＡＢＣ", True),
        (MatchMode.CONTAINS, "ＶＩＰ", "我是vip客户", True),
        (MatchMode.WORD, "试驾", "我想试驾一下", True),
        (MatchMode.WORD, "星途揽月", "星途揽月多少钱", True),
        (MatchMode.WORD, "车", "汽车多少钱", False),  # 汽车 is one word
        (MatchMode.REGEX, "1[3-9]\\d{9}", "我的电话13812345678", True),
        (MatchMode.REGEX, "1[3-9]\\d{9}", "我的电话１３８１２３４５６７８", True),
        (MatchMode.REGEX, "1[3-9]\\d{9}", "电话12812345678", False),
        (MatchMode.REGEX, "VIP\\d", "vip3", True),
    ],
)
def test_match_modes(
    segmenter: Segmenter, match: MatchMode, keyword: str, text: str, fires: bool
) -> None:
    assert (winner(segmenter, [rule("r", keyword, match=match)], text) == "r") is fires


def test_a_word_keyword_is_learned_so_a_brand_name_stays_whole() -> None:
    fresh = Segmenter()
    fresh.initialize()
    assert "星途揽月" not in fresh.cut("星途揽月怎么样")
    rules = [rule("brand", "星途揽月", match=MatchMode.WORD)]
    assert winner(fresh, rules, "星途揽月怎么样") == "brand"


def test_higher_priority_wins_over_row_order(segmenter: Segmenter) -> None:
    rules = [rule("first", "价格"), rule("urgent", "价格", priority=5)]
    assert winner(segmenter, rules, "价格") == "urgent"


def test_equal_priority_goes_to_the_earlier_row(segmenter: Segmenter) -> None:
    rules = [rule("first", "价格"), rule("second", "价", match=MatchMode.EXACT)]
    assert winner(segmenter, rules, "价格") == "first"


def test_disabled_rules_never_fire(segmenter: Segmenter) -> None:
    rules = [rule("off", "价格", priority=9, enabled=False), rule("on", "价格")]
    assert winner(segmenter, rules, "价格") == "on"


@pytest.mark.parametrize(
    ("hour_utc", "expected"),
    [(1, "staffed"), (10, "answerphone"), (14, "night"), (21, "night"), (22, "answerphone")],
)
def test_hours_are_shanghai_time_and_wrap_past_midnight(
    segmenter: Segmenter, hour_utc: int, expected: str
) -> None:
    rules = [
        rule("staffed", "人工", priority=2, hours=HoursWindow(time(9), time(18))),
        rule("night", "人工", priority=1, hours=HoursWindow(time(22), time(6))),
        rule("answerphone", "人工"),
    ]
    now = datetime(2024, 5, 1, hour_utc, tzinfo=UTC)
    assert winner(segmenter, rules, "转人工", now=now) == expected


def test_default_answers_text_nothing_else_matched(segmenter: Segmenter) -> None:
    rules = [rule("price", "价格"), rule("fallback", trigger=Trigger.DEFAULT)]
    assert winner(segmenter, rules, "你们几点开门") == "fallback"
    assert winner(segmenter, rules, "价格") == "price"


def test_default_skips_closed_and_disabled_rules(segmenter: Segmenter) -> None:
    rules = [
        rule("off", trigger=Trigger.DEFAULT, enabled=False),
        rule("night", trigger=Trigger.DEFAULT, hours=HoursWindow(time(22), time(6))),
        rule("day", trigger=Trigger.DEFAULT),
    ]
    assert winner(segmenter, rules, "?") == "day"


def test_default_does_not_answer_menu_clicks(segmenter: Segmenter) -> None:
    rules = [rule("fallback", trigger=Trigger.DEFAULT)]
    assert winner(segmenter, rules, "MENU_X", Trigger.CLICK) is None


@pytest.mark.parametrize(
    ("trigger", "scene", "expected"),
    [
        (Trigger.SUBSCRIBE, "spring_expo", "expo"),
        (Trigger.SUBSCRIBE, "", "welcome"),
        (Trigger.SUBSCRIBE, "autumn", "welcome"),
        (Trigger.SCAN, "spring_expo", "rescan"),
        (Trigger.CLICK, "menu_price", "menu"),
        (Trigger.CLICK, "MENU_PRICE_2", None),
    ],
)
def test_follows_scans_and_clicks(
    segmenter: Segmenter, trigger: Trigger, scene: str, expected: str | None
) -> None:
    rules = [
        rule("expo", "spring_expo", trigger=Trigger.SUBSCRIBE, match=MatchMode.EXACT),
        rule("welcome", trigger=Trigger.SUBSCRIBE, match=MatchMode.EXACT),
        rule("rescan", trigger=Trigger.SCAN, match=MatchMode.EXACT),
        rule("menu", "MENU_PRICE", trigger=Trigger.CLICK, match=MatchMode.EXACT),
    ]
    assert winner(segmenter, rules, scene, trigger) == expected


def test_a_blank_follow_rule_beats_a_scene_rule_by_priority(segmenter: Segmenter) -> None:
    rules = [
        rule("expo", "spring_expo", trigger=Trigger.SUBSCRIBE, match=MatchMode.EXACT),
        rule("welcome", trigger=Trigger.SUBSCRIBE, priority=1),
    ]
    assert winner(segmenter, rules, "spring_expo", Trigger.SUBSCRIBE) == "welcome"


def test_explain_lists_every_firing_rule_winner_first(segmenter: Segmenter) -> None:
    rules = [
        rule("price", "价格", "多少钱"),
        rule("sheet", "价格表", match=MatchMode.EXACT, priority=3),
        rule("phone", "1[3-9]\\d{9}", match=MatchMode.REGEX, priority=1),
        rule("other", "试驾"),
    ]
    matcher = KeywordMatcher(rules, segmenter)
    found = matcher.explain(Signal(TEXT, "多少钱 价格 13812345678"), NOON)
    assert [(m.rule.name, m.keyword) for m in found] == [
        ("phone", "1[3-9]\\d{9}"),
        ("price", "价格"),  # the first keyword of the rule that matched
    ]
    assert matcher.match(Signal(TEXT, "多少钱 价格 13812345678"), NOON) == found[0]


def test_explain_falls_back_to_default_rules(segmenter: Segmenter) -> None:
    rules = [rule("a", trigger=Trigger.DEFAULT), rule("b", trigger=Trigger.DEFAULT, priority=1)]
    found = KeywordMatcher(rules, segmenter).explain(Signal(TEXT, "?"), NOON)
    assert found == [Match(rules[1], ""), Match(rules[0], "")]


def test_patterns_that_cannot_be_combined_still_match(segmenter: Segmenter) -> None:
    rules = [
        rule("backref", "(a)\\1", match=MatchMode.REGEX),
        rule("flags", "(?x) b c", match=MatchMode.REGEX),
        rule("name1", "(?P<n>x)y", match=MatchMode.REGEX),
        rule("name2", "(?P<n>y)z", match=MatchMode.REGEX),
    ]
    matcher = KeywordMatcher(rules, segmenter)
    assert [m.rule.name for m in matcher.explain(Signal(TEXT, "aa bc xyz"), NOON)] == [
        "backref",
        "flags",
        "name1",
        "name2",
    ]


def test_a_naive_now_is_refused(segmenter: Segmenter) -> None:
    matcher = KeywordMatcher([rule("r", "x")], segmenter)
    with pytest.raises(ValueError, match="timezone-aware"):
        matcher.match(Signal(TEXT, "x"), datetime(2024, 1, 1))  # noqa: DTZ001


def test_a_pattern_that_backtracks_for_ever_gives_up_and_the_next_rule_answers(
    segmenter: Segmenter, caplog: pytest.LogCaptureFixture
) -> None:
    rules = [
        rule("runaway", "(a|aa)+$", match=MatchMode.REGEX, priority=2),
        rule("fallback", "aaa"),
    ]
    text = "a" * 40 + "!"  # Fibonacci(40) ways to split the run before failing at "!"
    started = time_module.perf_counter()
    assert winner(segmenter, rules, text) == "fallback"
    assert time_module.perf_counter() - started < 5  # `re` takes about a minute
    assert "gave up after 50 ms on a 41-character message" in caplog.text


def test_a_runaway_pattern_does_not_silence_the_patterns_beside_it(
    segmenter: Segmenter,
) -> None:
    # Both regexes are joined into one pass that rules most of them out; when that
    # pass runs out of time, each pattern is still tried on its own.
    rules = [
        rule("runaway", "(a|aa)+$", match=MatchMode.REGEX, priority=2),
        rule("quick", "a!", match=MatchMode.REGEX, priority=1),
    ]
    assert winner(segmenter, rules, "a" * 40 + "!") == "quick"
