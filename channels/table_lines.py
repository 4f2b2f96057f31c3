"""Where things are in `channels.toml`: tomllib parses, but does not say which line.

A channel is a `[[channel]]` table with sub-tables (`[channel.qr]`, `[channel.wecom]`,
`[[channel.wecom.shift]]`, `[channel.welcome]`, `[[channel.welcome.variant]]`); their
headers repeat once per channel, so a header is looked for inside its channel's lines.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[")


class ChannelLines:
    """Line numbers (1-based) of channel tables, sub-tables and keys."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._starts = [n for n, line in enumerate(self._lines, 1) if _is(line, "channel", True)]

    def channel(self, index: int) -> int:
        """The line of the index-th `[[channel]]` (0 when the file has fewer)."""
        return self._starts[index] if index < len(self._starts) else 0

    def header(self, name: str, *, array: bool, top: int = 0, nth: int = 0) -> int:
        """The nth header `name` after line `top`, inside that channel; else `top`."""
        end = next((s for s in self._starts if s > top), len(self._lines) + 1) if top else None
        seen = 0
        for number in range(top + 1, (end or len(self._lines) + 1)):
            if _is(self._lines[number - 1], name, array):
                if seen == nth:
                    return number
                seen += 1
        return top

    def key(self, table: int, key: str) -> int:
        """The line of `key =` in the table whose header is at `table` (0: top of file)."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(table + 1, len(self._lines) + 1):
            line = self._lines[number - 1]
            if _HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return table or 1


def _is(line: str, name: str, array: bool) -> bool:
    escaped = re.escape(name).replace(r"\.", r"\s*\.\s*")
    pattern = rf"^\s*\[\[\s*{escaped}\s*\]\]" if array else rf"^\s*\[\s*{escaped}\s*\](?!\])"
    return re.match(pattern, line) is not None
