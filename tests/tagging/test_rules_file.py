"""The rules file: every kind parsed, and every mistake reported with its line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tagging.rules import Category, EventKind, Level, Metric
from tagging.rules_file import RulesError, load_rules, parse_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "tagging.example.toml"


def test_the_shipped_example_parses() -> None:
    rules = load_rules(EXAMPLE)
    assert rules.counters and rules.tiers and rules.expiry
    assert rules.touch.first is not None


def test_every_kind_is_read() -> None:
    rules = parse_rules(
        """
[[counter]]
name = "p"
event = "click"
key = "MENU_PRICE"
at_least = 3
within_days = 7
tag = "高意向"

[[tier]]
name = "v"
metric = "messages"
within_days = 30
levels = [{ at_least = 5, tag = "活跃" }, { at_least = 20, tag = "很活跃" }]

[touch]
last = "末触:{channel}"

[[expire]]
tag = "询价"
after_days = 30

[contact]
phone_tag = ""

[sync]
exclude = ["末触:*"]
"""
    )
    (counter,) = rules.counters
    assert (counter.event, counter.at_least, counter.category) == (
        EventKind.CLICK, 3, Category.BEHAVIOR,
    )  # fmt: skip
    (tier,) = rules.tiers
    assert tier.metric is Metric.MESSAGES
    assert tier.levels == (Level(20, "很活跃"), Level(5, "活跃"))
    assert tier.tag_for(4) is None
    assert rules.expiry_days() == {"询价": 30}
    assert rules.contact.phone_tag is None
    assert not rules.sync.mirrors("末触:expo")
    assert rules.counters_for(EventKind.CLICK, "MENU_PRICE") == [counter]
    assert rules.counters_for(EventKind.CLICK, "MENU_OTHER") == []


COUNTER = """\
[[counter]]
name = "p"
event = "click"
within_days = 7
tag = "高意向"
"""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[[counter]]\nname = \n", 2, "not valid TOML"),
        (
            COUNTER.replace("within_days = 7", "within_days = 0"),
            4,
            "within_days: must be at least 1",
        ),
        (COUNTER.replace('event = "click"', 'event = "clik"'), 3, "event: unknown value 'clik'"),
        (COUNTER + "colour = 1\n", 6, "colour: unknown key"),
        (COUNTER.replace('tag = "高意向"\n', ""), 1, "tag: is required"),
        (COUNTER + "\n" + COUNTER, 8, "[[counter]] #2 (p).name: duplicate rule name"),
        (
            COUNTER.replace("高意向", "非常非常非常非常高的购买意向"),
            5,
            "longer than WeChat's 30 bytes",
        ),
        ('\n[touch]\nfirst = "首触"\n', 3, "must contain {channel}"),
        ('[[tier]]\nname = "v"\nwithin_days = 3\nlevels = []\n', 4, "needs at least one level"),
        ("\n\n[colours]\n", 3, "unknown section"),
    ],
)
def test_errors_name_the_line_and_the_reason(text: str, line: int, message: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "tagging.toml")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"tagging.toml:{line}: ")


@given(
    st.sampled_from(list(EventKind)),
    st.text(alphabet="ABC_价格", max_size=6),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=365),
    st.sampled_from(list(Category)),
)
def test_counter_rules_round_trip(
    event: EventKind, key: str, at_least: int, days: int, category: Category
) -> None:
    text = (
        f'[[counter]]\nname = "r"\nevent = "{event}"\nkey = "{key}"\nat_least = {at_least}\n'
        f'within_days = {days}\ntag = "标签"\ncategory = "{category}"\n'
    )
    (rule,) = parse_rules(text).counters
    assert (rule.event, rule.key, rule.at_least, rule.within_days, rule.category) == (
        event, key.strip(), at_least, days, category,
    )  # fmt: skip


@given(st.text(max_size=200))
def test_any_text_either_parses_or_fails_with_a_rules_error(text: str) -> None:
    try:
        parse_rules(text)
    except RulesError as exc:
        assert exc.line >= 0
