"""Reading and checking menu files: every problem at once, each with its line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

import menus
from keywords.problems import Severity
from menus.menu_file import parse_menu_text, read_menu_file
from menus.model import ButtonType
from tests.toml_strategies import documents

DEMO = Path(menus.__file__).parent / "demo.toml"

BAD = """\
# a menu with one of each mistake
[[button]]
name = "看车型看车型看车型"
type = "view"
url = "https://example.com/models"

[[button]]
name = "价格"
type = "tap"
key = "MENU_PRICE"

[[button]]
name = "服务"
type = "click"

[[button.sub_button]]
name = "预约试驾"
type = "click"

[[button.sub_button]]
name = "看车型"
type = "view"
url = "example.com/models"
key = "IGNORED"

[[button]]
name = "第四个"
type = "click"
key = "MENU_FOURTH"

[[conditional]]
name = "north"
sex = "1"

[[conditional.button]]
name = "地址"
type = "click"
key = "K"

[[conditional]]
name = "north"

[[conditional.button]]
name = "小程序"
type = "miniprogram"
url = "https://example.com"
"""


def _found(text: str) -> list[tuple[int, str, Severity]]:
    return [(p.line, p.column, p.severity) for p in parse_menu_text(text, "bad.toml").problems]


def test_the_demo_menu_has_no_problems() -> None:
    parsed = read_menu_file(DEMO)
    assert parsed.problems == ()
    assert parsed.menus.default is not None
    assert [menu.name for menu in parsed.menus.conditional] == ["high_intent"]


def test_every_problem_is_listed_at_once_with_its_line() -> None:
    assert _found(BAD) == [
        (3, "name", Severity.ERROR),  # 27 bytes, 16 allowed
        (9, "type", Severity.ERROR),  # unknown type
        (14, "type", Severity.ERROR),  # a group has no type
        (16, "key", Severity.ERROR),  # click without key (the sub-button's header line)
        (23, "url", Severity.ERROR),  # not an http(s) link
        (24, "key", Severity.WARNING),  # ignored on a view button
        (26, "button", Severity.ERROR),  # a fourth top-level button
        (33, "sex", Severity.ERROR),  # refused since WeChat's privacy change
        (40, "tag", Severity.ERROR),  # no rule at all
        (41, "name", Severity.ERROR),  # two menus named north
        (43, "appid", Severity.ERROR),
        (43, "pagepath", Severity.ERROR),
    ]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (3, "'看车型看车型看车型' is 27 bytes; a button name takes at most 16"),
        (9, "unknown type 'tap' (click, view, miniprogram,"),
        (14, "'服务' opens sub-buttons, so it has no type"),
        (16, "a click button needs key"),
        (23, "'example.com/models' is not an http(s) link (65317)"),
        (24, "warning: key is ignored on a view button"),
        (26, "menu default has 4 buttons; WeChat takes 1 to 3 (40016)"),
        (33, "WeChat no longer matches menus on sex (privacy: it refuses such rules with 65320)"),
        (41, "two menus are named 'north'"),
        (40, "conditional menu 'north' needs a rule: tag and/or platform (65304)"),
        (43, "a miniprogram button needs appid"),
    ],
)
def test_each_problem_says_why(line: int, text: str) -> None:
    lines = [str(p) for p in parse_menu_text(BAD, "bad.toml").problems if p.line == line]
    assert any(text in found for found in lines), lines


CLICK = 'name = "b"\ntype = "click"\nkey = "K"\n'
TOP = "[[button]]\n" + CLICK
GROUP = '[[button]]\nname = "g"\n'
SUB = "[[button.sub_button]]\n"
COND = '[[conditional]]\nname = "c"\n'
COND_BUTTON = "[[conditional.button]]\n" + CLICK


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('[[button]]\nname = "价格"\ntype = "click"\nkey = "' + "K" * 129 + '"\n', (4, "key")),
        (GROUP + (SUB + CLICK) * 6, (23, "sub_button")),
        (GROUP + SUB + 'name = "' + "预" * 21 + '"\ntype = "click"\nkey = "K"\n', (4, "name")),
        ('[[button]]\nname = "v"\ntype = "view"\nurl = "https://e.com/' + "a" * 1011 + '"\n',
         (4, "url")),
        (COND + 'tag = "高意向"\n' + COND_BUTTON, (1, "button")),
        (TOP + COND + 'platform = "pc"\n' + COND_BUTTON, (7, "platform")),
        (TOP + 'colour = "red"\n', (5, "colour")),
        (TOP + "[[button.sub_button.sub_button]]\n" + 'name = "x"\n', (5, "sub_button")),
        ('[menu]\nname = "x"\n', (1, "menu")),
        ('[[button]]\nname = "b"\ntype = "click\n', (3, "file")),
        ("", (1, "button")),
    ],
)  # fmt: skip
def test_one_problem_one_line(snippet: str, expected: tuple[int, str]) -> None:
    problems = parse_menu_text(snippet, "one.toml").errors
    assert (problems[0].line, problems[0].column) == expected, [str(p) for p in problems]


def test_limits_themselves_are_fine() -> None:
    text = (
        '[[button]]\nname = "' + "预" * 5 + '"\ntype = "click"\nkey = "' + "K" * 128 + '"\n'
        '[[button]]\nname = "g"\n'
        + '[[button.sub_button]]\nname = "'
        + "预" * 20
        + '"\ntype = "view"\nurl = "https://e.com/'
        + "a" * 1010
        + '"\n'
    )
    assert parse_menu_text(text).problems == ()


def test_repeated_keys_and_names_warn() -> None:
    text = (
        '[[button]]\nname = "价格"\ntype = "click"\nkey = "K"\n'
        '[[button]]\nname = "价格"\ntype = "click"\nkey = "K"\n'
    )
    warnings = parse_menu_text(text, "w.toml").warnings
    assert [(p.line, p.column) for p in warnings] == [(4, "key"), (6, "name"), (8, "key")]


def test_conditional_menus_link_to_three_domains_at_most() -> None:
    menu = '[[button]]\nname = "b"\ntype = "click"\nkey = "K"\n'
    for index, host in enumerate(("a.com", "b.com", "c.com", "d.com")):
        menu += (
            f'[[conditional]]\nname = "c{index}"\nplatform = "ios"\n'
            f'[[conditional.button]]\nname = "v"\ntype = "view"\nurl = "https://{host}/"\n'
        )
    [problem] = parse_menu_text(menu, "d.toml").errors
    assert problem.line == 32 and "(65316)" in problem.message


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    [problem] = read_menu_file(tmp_path / "nope.toml").problems
    assert (problem.line, problem.message) == (0, "does not exist")


def test_each_type_needs_its_fields() -> None:
    for kind in ButtonType:
        text = f'[[button]]\nname = "b"\ntype = "{kind.value}"\n'
        missing = {p.column for p in parse_menu_text(text).errors}
        assert missing == set(kind.needs), kind


SECTIONS = ["button", "conditional", "button.sub_button", "conditional.button", "menu"]
KEYS = ["name", "type", "key", "url", "appid", "pagepath", "media_id", "article_id", "tag",
        "tag_id", "platform", "sex", "city", "colour"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(documents(SECTIONS, KEYS, array_tables=True))
def test_any_file_of_known_names_reads_to_problems_not_exceptions(text: str) -> None:
    parsed = parse_menu_text(text, "fuzz.toml")
    for problem in parsed.problems:
        assert problem.line >= 0 and problem.message
