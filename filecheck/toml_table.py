"""Strict, typed reading of a TOML file that reports every problem at once, with its line.

A reader asks a `TomlTable` for each key it knows (`text`, `integer`, `tables`...).
Nothing raises: a wrong value is recorded (the first problem of a key wins, so one
mistake is one line) and the reader gets a stand-in, so the rest of the file is
still read. `problems()` then adds every key nobody asked for, with the key it was
probably meant to be; a required key that is missing because of such a typo is not
reported a second time. Checks that span keys ask `trusted(...)` first, so a typo
in one key never shows up as an error of another.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from filecheck.problems import Problem, ProblemsError
from filecheck.toml_lines import TomlLines

T = TypeVar("T")
E = TypeVar("E", bound=Enum)
Label = Callable[[int, Mapping[str, object]], str]

_SYNTAX_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass
class _Document:
    source: str
    lines: TomlLines
    tables: list[TomlTable] = field(default_factory=list)
    headers_seen: dict[str, int] = field(default_factory=dict)


def read_toml(text: str, source: str) -> TomlTable:
    """The root table of `text`; a syntax error is its one problem, with the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        root = toml_root({}, source, text)
        found = _SYNTAX_POSITION.search(str(exc))
        line = int(found.group(1)) if found else len(text.splitlines())
        reason = _SYNTAX_POSITION.sub("", str(exc)).replace("(at end of document)", "").strip()
        root.note_problem(Problem(source, line, "", f"{reason} (not valid TOML)"))
        return root
    return toml_root(data, source, text)


def toml_root(data: Mapping[str, object], source: str, text: str = "") -> TomlTable:
    """The root table of parsed TOML; `text` (when given) gives problems their lines."""
    return TomlTable(data, "", 0, "", _Document(source, TomlLines(text)))


class TomlTable:
    """A view on one table of a TOML file: typed reads, recorded problems, known keys.

    `label` names the table in problems (`server`, `wechat[0]`, `journey 'x' step 2`);
    a reader may rename it once it knows a better name (the `name` key).
    """

    def __init__(
        self, data: Mapping[str, object], label: str, line: int, path: str, document: _Document
    ) -> None:
        self.data = data
        self.label = label
        self.line = line  # of the table's header; 0 at the top of the file
        self._path = path  # dotted, as in a header: `leads.grades.when`
        self._document = document
        self._read: set[str] = set()
        self._problems: dict[str, Problem] = {}
        self._missing: set[str] = set()  # required keys that were absent
        document.tables.append(self)

    @property
    def source(self) -> str:
        return self._document.source

    # -- problems ---------------------------------------------------------------

    def problem(self, key: str, reason: str) -> None:
        """Record what is wrong with `key` ("": the table itself); a key keeps its first."""
        if key not in self._problems:
            line = self._document.lines.key(self.line, key) if key else self.line
            self._problems[key] = Problem(self.source, line, self._name(key), reason)

    def note_problem(self, problem: Problem) -> None:
        """Record a problem found elsewhere (a syntax error) as the table's own."""
        self._problems.setdefault("", problem)

    def trusted(self, *keys: str) -> bool:
        """True when no key has a problem and none is absent through a likely typo.

        Checks that span keys ask this first; ask once the table has been read.
        """
        suspects = self._suggested()
        return not any(key in self._problems or key in suspects for key in keys)

    def allow(self, *keys: str) -> None:
        """Take these keys as known without reading them (their reader could not run)."""
        self._read.update(keys)

    def problems(self) -> list[Problem]:
        """Every problem of every table of the file, unknown keys included, by line."""
        found: list[Problem] = []
        for table in self._document.tables:
            found.extend(table._own_problems())
        return sorted(found, key=lambda problem: problem.line)

    def keys_read(self) -> set[tuple[str, str]]:
        """(table path, key) for every key any reader of the file asked for: its schema."""
        return {(table._path, key) for table in self._document.tables for key in table._read}

    def raise_problems(self, error: Callable[[str, Sequence[Problem]], ProblemsError]) -> None:
        """Raise `error(source, problems)` when the file has any."""
        problems = self.problems()
        if problems:
            raise error(self.source, problems)

    def _name(self, key: str) -> str:
        if not key:
            return self.label
        return f"{self.label}.{key}" if self.label else key

    def _unknown(self) -> list[str]:
        return sorted(set(self.data) - self._read)

    def _suggestion(self, key: str) -> str | None:
        close = difflib.get_close_matches(key, sorted(self._read), n=1)
        return close[0] if close else None

    def _suggested(self) -> set[str]:
        """Known keys that an unknown key is probably a typo of."""
        return {s for key in self._unknown() if (s := self._suggestion(key)) is not None}

    def _own_problems(self) -> list[Problem]:
        suspects = self._suggested()
        found = [
            problem
            for key, problem in self._problems.items()
            if not (key in self._missing and key in suspects)
        ]
        for key in self._unknown():
            # A table at the top of the file is a section: `[lead]` reads best as such.
            section = not self._path and isinstance(self.data[key], dict | list)
            reason = f"unknown section `{key}`" if section else "unknown key"
            close = self._suggestion(key)
            if close:
                reason += f" (did you mean `{close}`?)"
            line = self._header_line(key) if section else self._document.lines.key(self.line, key)
            found.append(Problem(self.source, line, self._name(key), reason))
        return found

    def _header_line(self, path: str) -> int:
        lines = self._document.lines
        return lines.header(path, None) or lines.header(path, 0) or 1

    # -- reading ------------------------------------------------------------------

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> object:
        """The value as TOML gave it (None when absent), for shapes the typed reads lack."""
        self._read.add(key)
        return self.data.get(key)

    def value(self, key: str, kind: type[T], what: str, default: T | None = None) -> T:
        """The value if it is a `kind` (`what` names it in the problem); else a stand-in."""
        self._read.add(key)
        if key not in self.data:
            if default is None:
                self._missing.add(key)
                self.problem(key, "is required")
            return default if default is not None else kind()
        value = self.data[key]
        # bool is an int subclass in Python, but `port = true` is a mistake.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(key, f"must be {what}, got {type(value).__name__}")
            return default if default is not None else kind()
        return value

    def optional(self, key: str, read: Callable[[str], T]) -> T | None:
        """`read(key)` when the key is set, else None (and the key is still known)."""
        self._read.add(key)
        return read(key) if key in self.data else None

    def text(self, key: str, default: str | None = None) -> str:
        return self.value(key, str, "a string", default)

    def integer(self, key: str, default: int | None = None, minimum: int | None = None) -> int:
        value = self.value(key, int, "an integer", default)
        if minimum is not None and value < minimum:
            if key in self.data:
                self.problem(key, f"must be at least {minimum}, got {value}")
            return minimum
        return value

    def number(self, key: str, default: float | None = None) -> float:
        self._read.add(key)
        value = self.data.get(key, default)
        if value is None:
            self._missing.add(key)
            self.problem(key, "is required")
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"must be a number, got {type(value).__name__}")
            return default or 0.0
        return float(value)

    def flag(self, key: str, default: bool | None = None) -> bool:
        return self.value(key, bool, "true or false", default)

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.value(key, list, "a list of strings", list(default))
        if not all(isinstance(item, str) for item in value):
            self.problem(key, "must be a list of strings")
            return default
        return tuple(value)

    def choice(self, key: str, enum: type[E], default: str | None = None) -> E:
        """A value of `enum`; an unknown one is a problem that lists the allowed values."""
        members = list(enum)
        raw = self.text(key, default)
        try:
            return enum(raw)
        except ValueError:
            if key in self.data:
                allowed = ", ".join(str(member.value) for member in members)
                self.problem(key, f"unknown value {raw!r} (allowed: {allowed})")
            return enum(default) if default is not None else members[0]

    def table(self, key: str) -> TomlTable:
        """A sub-table (`[key]`); an absent one reads as empty, so its defaults apply."""
        self._read.add(key)
        value = self.data.get(key, {})
        path = f"{self._path}.{key}" if self._path else key
        if not isinstance(value, dict):
            self.problem(key, "must be a table")
            value = {}
        line = self._document.lines.header(path, None) if key in self.data else 0
        return TomlTable(value, self._name(key), line or self.line, path, self._document)

    def tables(self, key: str, label: Label | None = None) -> list[TomlTable]:
        """An array of tables (`[[key]]`); `label(index, data)` names each in problems."""
        self._read.add(key)
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(key, "must be an array of tables ([[...]])")
            return []
        path = f"{self._path}.{key}" if self._path else key
        found = []
        for index, item in enumerate(value):
            seen = self._document.headers_seen.get(path, 0)
            self._document.headers_seen[path] = seen + 1
            # Inline tables (`levels = [{...}]`) have no header: the key's line is the best.
            line = self._document.lines.header(path, seen) or self._document.lines.key(
                self.line, key
            )
            name = label(index, item) if label else self._name(f"{key}[{index}]")
            found.append(TomlTable(item, name, line, path, self._document))
        return found
