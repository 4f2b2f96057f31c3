"""Typed, strict reading of one TOML table: wrong types and unknown keys name the key and file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from bot.callbacks.errors import SettingsError

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
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self.error(unknown[0], "unknown key")
