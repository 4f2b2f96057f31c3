"""Writing a `MenuSet` as a menu file (`wxbot menus pull`, stored versions).

The shape is fixed and small, so it is written by hand: `json.dumps` quotes each
string (a JSON string is a TOML basic string, once DEL is escaped too), and the
layout is the one ops write, so `parse_menu_text(format_menu_file(m))` gives `m` back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from menus.model import VALUE_FIELDS, Button, Menu, MenuSet

_HEADER = """\
# The official account's menu (wxbot menus check / publish). The default menu is the
# [[button]] tables; each [[conditional]] menu is shown instead to the followers its
# rule fits (tag, platform), the first fitting one in this file's order.
"""


def format_menu_file(menus: MenuSet, notes: Iterable[str] = ()) -> str:
    """The menu file text of `menus`, with `notes` as comments at the top."""
    lines = [_HEADER.rstrip("\n")]
    lines.extend(f"# {note}" for note in notes)
    if menus.default is not None:
        lines.extend(_buttons(menus.default.buttons, "button"))
    for menu in menus.conditional:
        lines.extend(["", "[[conditional]]", _pair("name", menu.name)])
        rule = menu.match
        if rule is not None:
            if rule.tag:
                lines.append(_pair("tag", rule.tag))
            if rule.tag_id is not None:
                lines.append(f"tag_id = {rule.tag_id}")
            if rule.platform:
                lines.append(_pair("platform", rule.platform))
            lines.extend(_pair(name, value) for name, value in rule.private)
        lines.extend(_buttons(menu.buttons, "conditional.button"))
    return "\n".join(lines) + "\n"


def _buttons(buttons: Sequence[Button], header: str) -> list[str]:
    lines: list[str] = []
    for button in buttons:
        lines.extend(["", f"[[{header}]]", _pair("name", button.name)])
        if button.type:
            lines.append(_pair("type", button.type))
        lines.extend(_pair(name, button.value(name)) for name in VALUE_FIELDS if button.value(name))
        lines.extend(_buttons(button.sub_buttons, f"{header}.sub_button"))
    return lines


def _pair(key: str, value: str) -> str:
    return f"{key} = {_quoted(value)}"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def describe(menu: Menu) -> str:
    """How ops read a menu's rule: "default", or "tag 高意向, ios"."""
    rule = menu.match
    if rule is None:
        return "default"
    parts = [f"tag {rule.tag}" if rule.tag else "", f"tag id {rule.tag_id}" if rule.tag_id else "",
             rule.platform, *(f"{name} {value}" for name, value in rule.private)]  # fmt: skip
    return ", ".join(part for part in parts if part)
