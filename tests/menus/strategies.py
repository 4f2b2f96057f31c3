"""Hypothesis strategies for valid menus (WeChat's limits kept), for round-trip properties."""

from __future__ import annotations

from hypothesis import strategies as st

from menus.model import DEFAULT_MENU, Button, ButtonType, MatchRule, Menu, MenuSet, Platform

# Names of 1-5 characters, Chinese or ASCII, with the characters TOML and JSON escape.
_CHARS = st.sampled_from(list("价格服务试驾地址abcXYZ 019\"\\'#=[]\t"))
NAMES = st.text(_CHARS, min_size=1, max_size=5).map(str.strip).filter(bool)
VALUES = st.text(st.sampled_from(list('ABCxyz_09-./:?=&价"\\\x7f')), min_size=1, max_size=20)


@st.composite
def leaves(draw: st.DrawFn) -> Button:
    kind = draw(st.sampled_from(list(ButtonType)))
    values = {name: draw(VALUES) for name in kind.needs}
    if "url" in values:
        values["url"] = "https://example.com/" + draw(st.text("abc/", max_size=10))
    return Button.with_values(draw(NAMES), kind.value, values)


@st.composite
def top_buttons(draw: st.DrawFn) -> Button:
    if draw(st.booleans()):
        return draw(leaves())
    return Button(draw(NAMES), sub_buttons=tuple(draw(st.lists(leaves(), min_size=1, max_size=5))))


def menus_of(name: str, rule: MatchRule | None) -> st.SearchStrategy[Menu]:
    buttons = st.lists(top_buttons(), min_size=1, max_size=3).map(tuple)
    return buttons.map(lambda found: Menu(name, found, rule))


@st.composite
def menu_sets(draw: st.DrawFn) -> MenuSet:
    default = draw(menus_of(DEFAULT_MENU, None))
    count = draw(st.integers(min_value=0, max_value=3))
    conditional = []
    for index in range(count):
        rule = MatchRule(
            tag=draw(st.one_of(st.just(""), NAMES)),
            platform=draw(st.sampled_from([p.value for p in Platform])),
        )
        conditional.append(draw(menus_of(f"menu{index}", rule)))
    return MenuSet(default, tuple(conditional))
