"""Typed, strict reading of one TOML table: wrong types and unknown keys name the key and file."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from bot.errors import SettingsError, SettingsErrors

T = TypeVar("T")


class TomlTable:
    """A view on one TOML table that records which keys were read.

    `finish()` then reports any key nobody asked for, so a typo in the config
    is an error at start instead of a silently ignored setting.
    """

    def __init__(self, data: Mapping[str, object], where: str, source: Path | str) -> None:
        self._data = data
        self._where = where
        self._source = source
        self._read: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where else key

    def error(self, key: str, reason: str) -> SettingsError:
        return SettingsError(self._source, self._key(key), reason)

    def _get(self, key: str, kind: type[T], kind_name: str, default: T | None) -> T:
        self._read.add(key)
        if key not in self._data:
            if default is None:
                raise self.error(key, "is required")
            return default
        value = self._data[key]
        # bool is an int subclass in Python, but `port = true` is a mistake.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"must be {kind_name}, got {type(value).__name__}")
        return value

    def has(self, key: str) -> bool:
        return key in self._data

    def text(self, key: str, default: str | None = None) -> str:
        return self._get(key, str, "a string", default)

    def integer(self, key: str, default: int | None = None, minimum: int | None = None) -> int:
        value = self._get(key, int, "an integer", default)
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        self._read.add(key)
        value = self._data.get(key, default)
        if value is None:
            raise self.error(key, "is required")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {type(value).__name__}")
        return float(value)

    def flag(self, key: str, default: bool | None = None) -> bool:
        return self._get(key, bool, "true or false", default)

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        self._read.add(key)
        value = self._data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, "must be a list of strings")
        return tuple(value)

    def table(self, key: str) -> TomlTable:
        """A sub-table; an absent one reads as empty, so its defaults apply."""
        self._read.add(key)
        value = self._data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return TomlTable(value, self._key(key), self._source)

    def tables(self, key: str) -> list[TomlTable]:
        """An array of tables (`[[key]]`)."""
        self._read.add(key)
        value = self._data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(key, "must be an array of tables ([[...]])")
        return [
            TomlTable(item, f"{self._key(key)}[{index}]", self._source)
            for index, item in enumerate(value)
        ]

    def finish(self) -> None:
        """Every key nobody read is an error (all of them, with a likely intended name)."""
        errors = [self._unknown(key) for key in sorted(set(self._data) - self._read)]
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise SettingsErrors(errors)

    def _unknown(self, key: str) -> SettingsError:
        # A table at the top level is a section: `[lead]` reads best as such.
        section = not self._where and isinstance(self._data[key], dict | list)
        reason = f"unknown section `{key}`" if section else "unknown key"
        close = difflib.get_close_matches(key, sorted(self._read), n=1)
        if close:
            reason += f" (did you mean `{close[0]}`?)"
        return self.error(key, reason)


class ErrorCollector:
    """Runs the parts of a config one by one and keeps every error instead of the first."""

    def __init__(self) -> None:
        self.errors: list[SettingsError] = []

    def attempt(self, build: Callable[[], T], fallback: T) -> T:
        """`build()`, or `fallback` after recording why it failed."""
        try:
            return build()
        except SettingsErrors as many:
            self.errors.extend(many.errors)
        except SettingsError as error:
            self.errors.append(error)
        return fallback

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise SettingsErrors(self.errors)
