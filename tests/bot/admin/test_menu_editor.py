"""The menu editor's form as properties: it holds any menu, its edits undo, and each
problem the file's checks find lands on the field it is about."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.admin.menu_editor import (
    MAX_BUTTONS,
    MAX_MENUS,
    blank_button,
    edit_menus,
    form_fields,
    menus_from_form,
    parse_path,
    path_id,
    place_problems,
    read_draft,
)
from menus.model import DEFAULT_MENU, Menu, MenuSet
from tests.menus.strategies import menu_sets


@given(menu_sets())
def test_the_form_holds_any_menu(menus: MenuSet) -> None:
    assert menus_from_form(form_fields(menus)) == menus
    assert read_draft(menus).menus == menus


@given(menu_sets(), st.data())
def test_a_move_down_then_up_gives_the_menu_back(menus: MenuSet, data: st.DataObject) -> None:
    assert menus.default is not None
    count = len(menus.default.buttons)
    index = data.draw(st.integers(min_value=0, max_value=max(count - 2, 0)))
    moved = edit_menus(menus, f"down:m0-b{index}")
    back = edit_menus(moved, f"up:m0-b{index + 1}")
    assert back == menus
    if count > 1:
        assert moved.default is not None
        assert moved.default.buttons[index + 1] == menus.default.buttons[index]


@given(menu_sets())
def test_an_added_button_can_be_removed_again(menus: MenuSet) -> None:
    assert menus.default is not None
    last = len(menus.default.buttons)
    added = edit_menus(menus, "add:m0")
    assert added.default is not None and len(added.default.buttons) == last + 1
    assert edit_menus(added, f"remove:m0-b{last}") == menus


@given(menu_sets(), st.data())
def test_a_nameless_button_is_told_at_its_name_field(menus: MenuSet, data: st.DataObject) -> None:
    """Empty one button's name: the check's error sits on that button's name field."""
    whole = list(menus.menus)
    m = data.draw(st.integers(min_value=0, max_value=len(whole) - 1))
    b = data.draw(st.integers(min_value=0, max_value=len(whole[m].buttons) - 1))
    button = whole[m].buttons[b]
    path: tuple[int, ...] = (m, b)
    if button.sub_buttons:
        s = data.draw(st.integers(min_value=0, max_value=len(button.sub_buttons) - 1))
        subs = list(button.sub_buttons)
        subs[s] = replace(subs[s], name="")
        button, path = replace(button, sub_buttons=tuple(subs)), (m, b, s)
    else:
        button = replace(button, name="")
    buttons = list(whole[m].buttons)
    buttons[b] = button
    whole[m] = replace(whole[m], buttons=tuple(buttons))
    edited = MenuSet(whole[0], tuple(whole[1:]))
    parsed = read_draft(edited)
    draft = place_problems(edited, parsed, parsed.problems)
    [named] = [p for p in parsed.errors if p.column == "name"]
    assert draft.problems_of(path_id(path), "name") == [named]
    assert named not in draft.elsewhere


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=3))
def test_paths_read_back(parts: list[int]) -> None:
    path = tuple(parts)
    assert parse_path(path_id(path)) == path


def test_hand_made_posts_cannot_grow_the_tree() -> None:
    fields = {"menus": "99999", "m0-n": "99", "m0-b0-n": "123456789"}
    menus = menus_from_form(fields)
    assert len(menus.menus) == 1
    assert menus.default is not None
    assert len(menus.default.buttons) == MAX_BUTTONS
    assert all(not button.sub_buttons for button in menus.default.buttons)


def test_every_menu_the_editor_can_add_survives_the_form() -> None:
    menus = MenuSet(Menu(DEFAULT_MENU, (blank_button(),)))
    for _ in range(MAX_MENUS + 2):
        menus = edit_menus(menus, "add_menu")
    assert len(menus.menus) == MAX_MENUS
    assert menus_from_form(form_fields(menus)) == menus
