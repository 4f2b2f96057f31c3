"""The menu editor's form: a `MenuSet` as form fields and back, its edits, and its problems
by field.

One format: the editor's menus are written as a menu file (`menus.menu_format`) and
read back with `menus.menu_file`, so a check, a preview and a publish see exactly what
`wxbot menus check|publish` would see in a file, and each problem, found by its line
in that text, is put back on the form field it is about.

Field names follow the tree: menu `m0` (the default menu; `m1`… the conditional ones),
its buttons `m0-b2`, their sub-buttons `m0-b2-s1`, and a field after the last dash:
`m0-b2-s1-key`. Counts ride along (`menus`, `m0-n`, `m0-b2-n`) so a blank field and
an absent one are told apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from keywords.problems import Problem
from menus.menu_file import ParsedMenus, parse_menu_text
from menus.menu_format import format_menu_file
from menus.model import (
    DEFAULT_MENU,
    PRIVATE_MATCH_FIELDS,
    VALUE_FIELDS,
    Button,
    ButtonType,
    MatchRule,
    Menu,
    MenuSet,
)

SOURCE = "menu.toml"  # the draft's name in its problems, as a file would be named
MAX_MENUS = 20  # an account has a handful of conditional menus; a form needs no more
MAX_BUTTONS = 8  # more than WeChat's 3 and 5, so a form can show "too many" with its line
_PATH = re.compile(r"^m(\d{1,2})(?:-b(\d))?(?:-s(\d))?$")
_BUTTON_FIELDS = ("name", "type", *VALUE_FIELDS)
_RULE_FIELDS = ("name", "tag", "tag_id", "platform", *PRIVATE_MATCH_FIELDS)
T = TypeVar("T")
Path = tuple[int, ...]  # (menu,), (menu, button) or (menu, button, sub-button)


def path_id(path: Path) -> str:
    """`(0, 2, 1)` → "m0-b2-s1"."""
    parts = [f"m{path[0]}", *(f"b{path[1]}" for _ in path[1:2]), *(f"s{p}" for p in path[2:])]
    return "-".join(parts)


def parse_path(text: str) -> Path | None:
    found = _PATH.match(text)
    if found is None:
        return None
    return tuple(int(part) for part in found.groups() if part is not None)


def blank_button(kind: ButtonType = ButtonType.CLICK) -> Button:
    return Button("", kind.value)


def starting_menus(live: MenuSet | None) -> MenuSet:
    """What the editor opens with: the live menu, else one blank button to fill in."""
    if live is not None and live.default is not None:
        return live
    return MenuSet(Menu(DEFAULT_MENU, (blank_button(),)), live.conditional if live else ())


def menus_from_form(fields: Mapping[str, str]) -> MenuSet:
    """The menus the form's fields describe (counts bounded: a hand-made post cannot
    make the server build a huge tree)."""
    count = _count(fields, "menus", MAX_MENUS)
    menus = [_menu_from_form(fields, index) for index in range(max(count, 1))]
    default = replace(menus[0], name=DEFAULT_MENU, match=None)
    return MenuSet(default, tuple(menus[1:]))


def _menu_from_form(fields: Mapping[str, str], index: int) -> Menu:
    prefix = path_id((index,))
    buttons = tuple(
        _button_from_form(fields, (index, b)) for b in range(_count(fields, f"{prefix}-n"))
    )
    if index == 0:
        return Menu(DEFAULT_MENU, buttons)
    text = {name: fields.get(f"{prefix}-{name}", "").strip() for name in _RULE_FIELDS}
    tag_id = text["tag_id"]
    rule = MatchRule(
        tag=text["tag"],
        tag_id=int(tag_id) if tag_id.isdigit() and len(tag_id) < 10 else None,  # noqa: PLR2004
        platform=text["platform"],
        private=tuple((name, text[name]) for name in PRIVATE_MATCH_FIELDS if text[name]),
    )
    return Menu(text["name"], buttons, rule)


def _button_from_form(fields: Mapping[str, str], path: Path) -> Button:
    prefix = path_id(path)
    subs: tuple[Button, ...] = ()
    if len(path) == 2:  # noqa: PLR2004 - a top-level button may open sub-buttons
        subs = tuple(
            _button_from_form(fields, (*path, s)) for s in range(_count(fields, f"{prefix}-n"))
        )
    values = {name: fields.get(f"{prefix}-{name}", "") for name in _BUTTON_FIELDS}
    return Button.with_values(values["name"], values["type"], values, subs)


def _count(fields: Mapping[str, str], name: str, most: int = MAX_BUTTONS) -> int:
    raw = fields.get(name, "0")
    return min(int(raw), most) if raw.isdigit() and len(raw) < 3 else 0  # noqa: PLR2004


def form_fields(menus: MenuSet) -> dict[str, str]:
    """The form's fields for `menus` (what `menus_from_form` reads back)."""
    fields: dict[str, str] = {"menus": str(len(menus.menus))}
    for index, menu in enumerate(menus.menus):
        prefix = path_id((index,))
        fields[f"{prefix}-n"] = str(len(menu.buttons))
        rule = menu.match
        if rule is not None:
            fields |= {f"{prefix}-name": menu.name, f"{prefix}-tag": rule.tag,
                       f"{prefix}-platform": rule.platform}  # fmt: skip
            if rule.tag_id is not None:
                fields[f"{prefix}-tag_id"] = str(rule.tag_id)
            fields |= {f"{prefix}-{name}": value for name, value in rule.private}
        for b, button in enumerate(menu.buttons):
            fields |= _button_fields(button, (index, b))
    return fields


def _button_fields(button: Button, path: Path) -> dict[str, str]:
    prefix = path_id(path)
    fields = {f"{prefix}-{name}": button.value(name) for name in VALUE_FIELDS}
    fields |= {f"{prefix}-name": button.name, f"{prefix}-type": button.type}
    if len(path) == 2:  # noqa: PLR2004
        fields[f"{prefix}-n"] = str(len(button.sub_buttons))
        for s, sub in enumerate(button.sub_buttons):
            fields |= _button_fields(sub, (*path, s))
    return fields


def edit_menus(menus: MenuSet, action: str) -> MenuSet:
    """Apply one of the form's structural actions: "add:m0" (a button), "add:m0-b1" (a
    sub-button), "remove:…", "up:…", "down:…" (a button, a sub-button or a conditional
    menu), "add_menu". Anything else leaves `menus` as it is."""
    if action == "add_menu":
        if len(menus.menus) >= MAX_MENUS:
            return menus
        new = Menu("", (blank_button(),), MatchRule())
        return replace(menus, conditional=(*menus.conditional, new))
    verb, _, target = action.partition(":")
    path = parse_path(target)
    if path is None or path[0] >= len(menus.menus):
        return menus
    whole = list(menus.menus)
    if len(path) == 1:
        if verb == "add":
            whole[path[0]] = _add(whole[path[0]])
        elif path[0] > 0:  # the default menu stays first and cannot go
            conditional = _moved(list(menus.conditional), path[0] - 1, verb)
            return replace(menus, conditional=tuple(conditional))
    else:
        whole[path[0]] = _edit_button(whole[path[0]], path[1:], verb)
    return MenuSet(whole[0], tuple(whole[1:]))


def _add(menu: Menu) -> Menu:
    return replace(menu, buttons=(*menu.buttons, blank_button())[:MAX_BUTTONS])


def _edit_button(menu: Menu, path: Path, verb: str) -> Menu:
    buttons = list(menu.buttons)
    if path[0] >= len(buttons):
        return menu
    if len(path) == 1 and verb == "add":
        buttons[path[0]] = _with_sub(buttons[path[0]])
    elif len(path) == 1:
        buttons = _moved(buttons, path[0], verb)
    else:
        parent = buttons[path[0]]
        subs = _moved(list(parent.sub_buttons), path[1], verb)
        buttons[path[0]] = replace(parent, sub_buttons=tuple(subs))
    return replace(menu, buttons=tuple(buttons))


def _with_sub(button: Button) -> Button:
    """A button that opens sub-buttons. Its first one takes over what it did, so turning
    a button into a group loses nothing ops wrote."""
    if button.sub_buttons or not button.type:
        return replace(button, sub_buttons=(*button.sub_buttons, blank_button())[:MAX_BUTTONS])
    moved = replace(button, sub_buttons=())
    return replace(Button(button.name), sub_buttons=(moved,))


def _moved(items: list[T], index: int, verb: str) -> list[T]:
    if index >= len(items):
        return items
    if verb == "remove":
        return items[:index] + items[index + 1 :]
    other = index - 1 if verb == "up" else index + 1 if verb == "down" else -1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


@dataclass(frozen=True)
class Draft:
    """The edited menus read as a file would be, and each problem at its place on the form.

    `at[(path, field)]` holds the problems of one field ("" for the button or menu as
    a whole); `elsewhere` the ones no field owns (a keyword rule no button sends, a
    counter, the menu as a whole)."""

    parsed: ParsedMenus
    text: str
    edited: MenuSet
    at: Mapping[tuple[str, str], Sequence[Problem]] = field(default_factory=dict)
    elsewhere: Sequence[Problem] = ()

    @property
    def menus(self) -> MenuSet:
        """The menus as edited (a default menu with no buttons left stays on the form,
        though the file it makes has none)."""
        return self.edited

    def problems_of(self, path: str, name: str = "") -> Sequence[Problem]:
        return self.at.get((path, name), ())

    @property
    def problem_count(self) -> int:
        return sum(len(listed) for listed in self.at.values()) + len(self.elsewhere)

    def all_of(self, path: str) -> list[Problem]:
        """Every problem of one button or menu, whichever field, in line order."""
        found = [p for (owner, _), listed in self.at.items() if owner == path for p in listed]
        return sorted(found, key=lambda problem: problem.line)


def read_draft(menus: MenuSet) -> ParsedMenus:
    """The menus as the file they make, read and checked by `menus.menu_file`."""
    return parse_menu_text(format_menu_file(menus), SOURCE)


def place_problems(menus: MenuSet, parsed: ParsedMenus, problems: Sequence[Problem]) -> Draft:
    """Put each of `problems` (of `menus` read as `parsed`, and the cross-check's) on its
    form field."""
    owners = _line_owners(parsed.menus)
    at: dict[tuple[str, str], list[Problem]] = {}
    elsewhere: list[Problem] = []
    for problem in problems:
        owner = owners.get(problem.line) if problem.source == SOURCE else None
        if owner is None:
            elsewhere.append(problem)
            continue
        name = problem.column if problem.column in _BUTTON_FIELDS + _RULE_FIELDS else ""
        at.setdefault((owner, name), []).append(problem)
    return Draft(parsed, format_menu_file(parsed.menus), menus, at, elsewhere)


def _line_owners(menus: MenuSet) -> dict[int, str]:
    """Line of the draft's text → the path id of the button or menu written there."""
    owners: dict[int, str] = {}
    # A default menu with no buttons is no [[button]] table: the form still counts it.
    first = 0 if menus.default is not None else 1
    for index, menu in enumerate(menus.menus, start=first):
        if menu.match is not None:
            lines = {menu.line, menu.match.line, *(line for _, line in menu.match.lines)}
            owners |= dict.fromkeys(lines - {0}, path_id((index,)))
        for b, button in enumerate(menu.buttons):
            owners |= _button_lines(button, (index, b))
            for s, sub in enumerate(button.sub_buttons):
                owners |= _button_lines(sub, (index, b, s))
    return owners


def _button_lines(button: Button, path: Path) -> dict[int, str]:
    lines = {button.line, *(line for name, line in button.lines if name != "sub_button")}
    return dict.fromkeys(lines - {0}, path_id(path))
