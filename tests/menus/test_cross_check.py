"""The cross-check between a menu and the rules behind it, on plain values."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from menus.cross_check import ClickRule, RulesBehind, cross_check
from menus.diff import diff_menus
from menus.menu_file import parse_menu_text
from menus.model import MenuSet
from tagging.rules import RuleSet
from tagging.rules_file import parse_rules

MENU = """\
[[button]]
name = "价格"
type = "click"
key = "MENU_PRICE"

[[button]]
name = "扫码"
type = "scancode_push"
key = "MENU_SCAN"

[[conditional]]
name = "hot"
tag = "高意向"

[[conditional.button]]
name = "价格"
type = "click"
key = "MENU_PRICE"
"""
COUNTER = (
    '[[counter]]\nname = "{name}"\nevent = "click"\nkey = "{key}"\n'
    'within_days = 7\ntag = "高意向"\n'
)


def _menus(text: str = MENU) -> MenuSet:
    return parse_menu_text(text, "menu.toml").menus


def _behind(
    answers: dict[str, list[str]],
    tagging: RuleSet | None = None,
    given: Collection[str] = ("高意向",),
    rules: tuple[ClickRule, ...] = (),
) -> RulesBehind:
    return RulesBehind(rules, lambda key: answers.get(key, []), tagging or RuleSet(), given)


def test_a_menu_whose_keys_are_answered_has_no_warnings() -> None:
    assert cross_check(_menus(), "menu.toml", _behind({"MENU_PRICE": ["price"]})) == []


def test_an_unanswered_click_key_warns_on_each_button() -> None:
    problems = cross_check(_menus(), "menu.toml", _behind({}))
    assert [(p.line, p.column) for p in problems] == [(4, "key"), (18, "key")]


def test_a_tagging_counter_answers_a_click_key() -> None:
    counter = parse_rules(COUNTER.format(name="price_clicks", key="MENU_PRICE"), "tagging.toml")
    assert cross_check(_menus(), "menu.toml", _behind({}, counter)) == []


def test_keys_of_other_buttons_need_no_rule() -> None:
    """A scanner button's tap is recorded as a signal; a rule for it is optional."""
    problems = cross_check(_menus(), "menu.toml", _behind({"MENU_PRICE": ["price"]}))
    assert all("MENU_SCAN" not in p.message for p in problems)


def test_rules_and_counters_for_keys_no_button_sends_warn() -> None:
    rule = ClickRule("old_promo", ("MENU_PROMO",), "keywords.csv", 9)
    counter = parse_rules(COUNTER.format(name="promo", key="MENU_PROMO"), "tagging.toml")
    problems = cross_check(
        _menus(), "menu.toml", _behind({"MENU_PRICE": ["price"]}, counter, rules=(rule,))
    )
    assert [(p.source, p.line, p.column) for p in problems] == [
        ("keywords.csv", 9, "rule old_promo"),
        ("tagging.toml", 1, "counter promo"),
    ]


@pytest.mark.parametrize(
    ("tagging", "given", "why"),
    [
        ("", (), "no keyword rule, tagging rule or journey gives tag '高意向'"),
        ('[sync]\nexclude = ["高*"]\n', ("高意向",), "tag '高意向' is kept in wxbot only"),
        ("[sync]\nofficial_account = false\n", ("高意向",), "tags are not mirrored"),
    ],
)
def test_a_conditional_menu_on_a_tag_wechat_never_sees_warns(
    tagging: str, given: tuple[str, ...], why: str
) -> None:
    behind = _behind({"MENU_PRICE": ["price"]}, parse_rules(tagging), given)
    [problem] = cross_check(_menus(), "menu.toml", behind)
    assert (problem.line, problem.column) == (13, "tag")
    assert why in problem.message


def test_templated_tags_count_as_given() -> None:
    menu = MENU.replace('tag = "高意向"', 'tag = "首触:春季车展"')
    behind = RulesBehind((), lambda key: ["price"], RuleSet(), (), ("首触:*",))
    assert cross_check(_menus(menu), "menu.toml", behind) == []


def test_diff_names_menus_rules_and_buttons() -> None:
    new = MENU.replace('tag = "高意向"', 'platform = "ios"').replace(
        'name = "扫码"', 'name = "扫一扫"'
    )
    diff = diff_menus(_menus(), _menus(new))
    assert diff.summary() == (
        "1 rule changed (hot); 1 button added (default/扫一扫); 1 button removed (default/扫码)"
    )
    assert diff_menus(_menus(), _menus()).summary() == "no changes"
