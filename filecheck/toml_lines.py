"""Line numbers for errors in a TOML file: tomllib parses, but does not say where things are.

`filecheck.toml_table` uses it so that every problem of a TOML file names its line.
"""

from __future__ import annotations

import re


class TomlLines:
    """Finds the line of a table header (`[name]`, or the n-th `[[name]]`) and of a key."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()

    def header(self, name: str, index: int | None) -> int:
        """The line of `[name]` (index None) or of the index-th `[[name]]`; 0 if absent."""
        escaped = re.escape(name)
        pattern = (
            re.compile(rf"^\s*\[\[\s*{escaped}\s*\]\]") if index is not None
            else re.compile(rf"^\s*\[\s*{escaped}\s*\]")
        )  # fmt: skip
        seen = 0
        for number, line in enumerate(self._lines, start=1):
            if pattern.match(line):
                if index is None or seen == index:
                    return number
                seen += 1
        return 0

    def key(self, start: int, key: str) -> int:
        """The line of `key =` in the table starting at line `start` (0: before any table)."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self._lines) + 1):
            line = self._lines[number - 1]
            if line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number
        return start or 1
