"""A menu written by `format_menu_file` reads back the same, and so does WeChat's JSON of it."""

from __future__ import annotations

from hypothesis import given, settings

from menus.menu_file import parse_menu_text
from menus.menu_format import format_menu_file
from menus.model import MenuSet
from menus.wechat_json import buttons_from_json, buttons_json
from tests.menus.strategies import menu_sets


@settings(max_examples=200, deadline=None)
@given(menu_sets())
def test_a_formatted_menu_reads_back_equal(menus: MenuSet) -> None:
    parsed = parse_menu_text(format_menu_file(menus, ["a note"]), "round.toml")
    assert parsed.menus == menus
    assert parsed.errors == ()


@settings(max_examples=200, deadline=None)
@given(menu_sets())
def test_wechat_json_of_a_menu_reads_back_equal(menus: MenuSet) -> None:
    for menu in menus.menus:
        assert buttons_from_json(buttons_json(menu.buttons)) == menu.buttons
