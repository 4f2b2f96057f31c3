"""Reading a menu file: TOML, every problem at once, each with its line.

Why TOML and not a CSV like keyword tables: a menu is a small tree (3 buttons, 5
sub-buttons each, a few conditional menus with their rules), which TOML's
`[[button]]` / `[[button.sub_button]]` tables write down as it looks, mirroring
WeChat's own `button` / `sub_button` JSON; comments can say why a button is there;
and the tagging rules and journeys are TOML already. A CSV would need a parent
column and rows of two kinds (buttons, match rules).

tomllib does not say where things are, so lines are found again in the text from
the table headers: write each button as its own
`[[button]]` table (not an inline array) and every problem names its line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from filecheck.toml_lines import TomlLines
from keywords.problems import Problem, Severity
from menus.checks import check_menus
from menus.model import (
    DEFAULT_MENU,
    PRIVATE_MATCH_FIELDS,
    VALUE_FIELDS,
    Button,
    MatchRule,
    Menu,
    MenuSet,
)

_SYNTAX_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_BUTTON_KEYS = frozenset({"name", "type", *VALUE_FIELDS, "sub_button"})
_MATCH_KEYS = ("tag", "tag_id", "platform", *PRIVATE_MATCH_FIELDS)
_CONDITIONAL_KEYS = frozenset({"name", "button", *_MATCH_KEYS})
_TWO_LEVELS = "a sub-button cannot have sub-buttons (WeChat menus have two levels)"


@dataclass(frozen=True)
class ParsedMenus:
    """What a file says, and every problem with it (reading and WeChat's limits)."""

    menus: MenuSet
    problems: tuple[Problem, ...]
    source: str = "menu.toml"

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)


def read_menu_file(path: Path) -> ParsedMenus:
    """Read and check a menu file (blocking: call it from a thread in the app)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        reason = "does not exist" if isinstance(exc, FileNotFoundError) else exc.strerror
        return ParsedMenus(MenuSet(), (Problem(str(path), 0, "file", str(reason)),), str(path))
    except UnicodeDecodeError:
        problem = Problem(str(path), 0, "file", "is not UTF-8 text")
        return ParsedMenus(MenuSet(), (problem,), str(path))
    return parse_menu_text(text, str(path))


def parse_menu_text(text: str, source: str = "menu.toml") -> ParsedMenus:
    """Read and check the menus in `text`; `source` names the file in problems."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _SYNTAX_POSITION.search(str(exc))
        line = int(found.group(1)) if found else max(len(text.splitlines()), 1)
        reason = _SYNTAX_POSITION.sub("", str(exc)).replace("(at end of document)", "").strip()
        problem = Problem(source, line, "file", f"{reason} (not TOML)")
        return ParsedMenus(MenuSet(), (problem,), source)
    reader = _Reader(source, Positions(text))
    menus = reader.menu_set(data)
    problems = sorted([*reader.problems, *check_menus(menus, source)], key=lambda p: p.line)
    return ParsedMenus(menus, tuple(problems), source)


class _Reader:
    """Turns the parsed TOML into a `MenuSet`, noting every shape problem with its line."""

    def __init__(self, source: str, positions: Positions) -> None:
        self.source = source
        self.positions = positions
        self.problems: list[Problem] = []

    def problem(self, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, column, message))

    def menu_set(self, data: Mapping[str, object]) -> MenuSet:
        for key in sorted(set(data) - {"button", "conditional"}):
            self.problem(
                self.positions.anywhere(key), key,
                "unknown key (a menu file has [[button]] and [[conditional]] tables)",
            )  # fmt: skip
        default = None
        if "button" in data:
            buttons = self.buttons(data["button"], "button", 1)
            default = Menu(DEFAULT_MENU, buttons, None, line=buttons[0].line if buttons else 1)
        conditional = tuple(
            self.conditional(item, index)
            for index, item in enumerate(self.tables(data.get("conditional", []), "conditional", 1))
        )
        return MenuSet(default, conditional)

    def tables(self, value: object, header: str, line: int) -> list[Mapping[str, object]]:
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return value
        if isinstance(value, dict) and "sub_button" in value:  # [[button.sub_button.sub_button]]
            line = self.positions.header(f"{header}.sub_button", 0) or line
            self.problem(line, "sub_button", _TWO_LEVELS)
        else:
            self.problem(line, header, f"must be [[{header}]] tables")
        return []

    def conditional(self, item: Mapping[str, object], index: int) -> Menu:
        line = self.positions.header("conditional", index) or 1
        self.unknown(item, _CONDITIONAL_KEYS, line, "conditional")
        text = self.texts(item, ("name", "tag", "platform", *PRIVATE_MATCH_FIELDS), line)
        tag_id = item.get("tag_id")
        if tag_id is not None and (not isinstance(tag_id, int) or isinstance(tag_id, bool)):
            self.problem(self.positions.key(line, "tag_id"), "tag_id", "must be a number")
            tag_id = None
        lines = self.field_lines(item, line, ("name", *_MATCH_KEYS))
        rule = MatchRule(
            tag=text["tag"],
            tag_id=tag_id,
            platform=text["platform"],
            private=tuple((name, text[name]) for name in PRIVATE_MATCH_FIELDS if text[name]),
            line=line,
            lines=lines,
        )
        buttons = self.buttons(item.get("button", []), "conditional.button", line)
        return Menu(text["name"], buttons, rule, line=line)

    def buttons(self, value: object, header: str, parent_line: int) -> tuple[Button, ...]:
        items = self.tables(value, header, parent_line)
        return tuple(self.button(item, header, parent_line) for item in items)

    def button(self, item: Mapping[str, object], header: str, parent_line: int) -> Button:
        # An inline table has no header of its own: its problems point at the parent.
        line = self.positions.next_header(header) or parent_line
        self.unknown(item, _BUTTON_KEYS, line, header)
        text = self.texts(item, ("name", "type", *VALUE_FIELDS), line)
        subs: tuple[Button, ...] = ()
        if "sub_button" in item:
            if header.endswith("sub_button"):
                self.problem(self.positions.key(line, "sub_button"), "sub_button", _TWO_LEVELS)
            else:
                subs = self.buttons(item["sub_button"], f"{header}.sub_button", line)
        return Button.with_values(
            text["name"],
            text["type"],
            text,
            subs,
            line=line,
            lines=self.field_lines(item, line, ("name", "type", *VALUE_FIELDS, "sub_button")),
        )

    def texts(
        self, item: Mapping[str, object], names: tuple[str, ...], line: int
    ) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in names:
            value = item.get(name, "")
            if isinstance(value, int) and not isinstance(value, bool) and name in ("key", "name"):
                value = str(value)  # `key = 1001` is meant as the text "1001"
            if not isinstance(value, str):
                self.problem(self.positions.key(line, name), name, "must be a string in quotes")
                value = ""
            found[name] = value.strip()
        return found

    def unknown(
        self, item: Mapping[str, object], known: frozenset[str], line: int, where: str
    ) -> None:
        for key in sorted(set(item) - known):
            allowed = ", ".join(sorted(known))
            self.problem(
                self.positions.key(line, key), key, f"unknown key in [[{where}]] ({allowed})"
            )

    def field_lines(
        self, item: Mapping[str, object], line: int, names: tuple[str, ...]
    ) -> tuple[tuple[str, int], ...]:
        return tuple((name, self.positions.key(line, name)) for name in names if name in item)


class Positions:
    """Lines of the file's tables and keys, visited in document order.

    tomllib keeps the order of `[[...]]` tables, so the n-th `[[button.sub_button]]`
    read depth-first is the n-th such header in the text.
    """

    def __init__(self, text: str) -> None:
        self._lines = TomlLines(text)
        self._seen: dict[str, int] = {}

    def header(self, name: str, index: int) -> int:
        return self._lines.header(name, index)

    def next_header(self, name: str) -> int:
        index = self._seen.get(name, 0)
        self._seen[name] = index + 1
        return self._lines.header(name, index)

    def key(self, start: int, key: str) -> int:
        return self._lines.key(start, key)

    def anywhere(self, key: str) -> int:
        """A top-level key or table: `[key]`, `[[key]]` or `key =` before any table."""
        return self._lines.header(key, None) or self._lines.header(key, 0) or self.key(0, key)
