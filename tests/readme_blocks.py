"""The README's shell blocks as tests: what to run, and what it must print.

The rules, for whoever writes a README section (they are also in the README):

- Every ```sh block runs, in README order, against one demo: a copy of the demo
  config in a temporary folder, with `wxbot serve` running on a spare port.
- A line `$ command` is run by bash (a trailing `\\` continues it on the next
  line); the lines after it, up to the next `$`, are what it prints (stdout and
  stderr, as a terminal shows them). Times (`2026-12-02 11:06 UTC+8`, ISO times)
  and ids (`#3`) may differ. A line `...` stands for any number of lines, and
  `[...]` for any text within a line.
- In a block without `$` lines, each line is a command that must succeed (exit 0);
  its output is not compared. `# comments` are allowed in both.
- A block that cannot run on the demo (an install, systemd, a benchmark) carries
  `<!-- readme-test: skip: REASON -->` on the line before its fence. The reason
  is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SHELL_LANGUAGES = ("sh", "console", "shell", "bash")
SKIP = re.compile(r"<!--\s*readme-test:\s*skip:\s*(?P<reason>.*?)\s*-->")
MARKER = re.compile(r"<!--\s*readme-test:(?P<rest>.*?)-->")
_TIME = re.compile(
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?"
    r"(?: ?UTC[+-]\d+(?::\d\d)?|Z|[+-]\d\d:?\d\d)?"
)
_ID = re.compile(r"#\d+")


@dataclass(frozen=True)
class Command:
    text: str
    expected: tuple[str, ...] | None  # None: only the exit status (0) is checked


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    heading: str
    commands: tuple[Command, ...]
    skip: str | None  # the reason given, when the block is marked

    @property
    def name(self) -> str:
        return f"README.md:{self.line} ({self.heading})"


class ReadmeError(ValueError):
    """A README block the harness cannot read (a marker without a reason, say)."""


def read_blocks(path: Path) -> list[Block]:
    """Every shell block of the README, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    heading = ""
    number = 0
    while number < len(lines):
        line = lines[number]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        fence = line.strip()
        if fence.startswith("```") and fence[3:].strip() in SHELL_LANGUAGES:
            end = next(
                (i for i in range(number + 1, len(lines)) if lines[i].strip() == "```"), None
            )
            if end is None:
                raise ReadmeError(f"README.md:{number + 1}: the block is never closed")
            skip = _skip_reason(lines, number)
            body = lines[number + 1 : end]
            blocks.append(Block(number + 1, heading, _commands(body), skip))
            number = end
        number += 1
    return blocks


def _skip_reason(lines: list[str], fence: int) -> str | None:
    before = next((lines[i] for i in range(fence - 1, -1, -1) if lines[i].strip()), "")
    marker = MARKER.search(before)
    if marker is None:
        return None
    skip = SKIP.search(before)
    if skip is None or not skip.group("reason"):
        raise ReadmeError(
            f"README.md:{fence + 1}: write the marker as <!-- readme-test: skip: REASON -->"
        )
    return skip.group("reason")


def _commands(body: list[str]) -> tuple[Command, ...]:
    if not any(line.startswith("$ ") for line in body):
        plain = [line for line in _joined(body) if line.strip() and not line.startswith("#")]
        return tuple(Command(line, None) for line in plain)
    commands: list[Command] = []
    index = 0
    while index < len(body):
        line = body[index]
        if not line.startswith("$ "):
            index += 1
            continue
        text = line[2:]
        while text.endswith("\\") and index + 1 < len(body):
            index += 1
            text += "\n" + body[index]
        output = []
        index += 1
        while index < len(body) and not body[index].startswith("$ "):
            output.append(body[index])
            index += 1
        while output and not output[-1].strip():
            output.pop()
        commands.append(Command(text, tuple(output)))
    return tuple(commands)


def _joined(body: list[str]) -> list[str]:
    """Lines with `\\` continuations joined."""
    joined: list[str] = []
    pending = ""
    for line in body:
        if line.endswith("\\"):
            pending += line + "\n"
            continue
        joined.append(pending + line)
        pending = ""
    return joined


def normalized(text: str) -> str:
    """Times and ids replaced by placeholders, trailing spaces dropped."""
    text = _ID.sub("#<id>", _TIME.sub("<time>", text))
    return "\n".join(line.rstrip() for line in text.splitlines())


def matches(expected: tuple[str, ...], actual: str) -> bool:
    """True when `actual` is what `expected` shows, allowing `...` lines and `[...]`."""
    pattern = ""
    for line in normalized("\n".join(expected)).splitlines():
        if line.strip() == "...":
            pattern += r"(?:[^\n]*\n)*?"
            continue
        pieces = [re.escape(piece) for piece in line.split("[...]")]
        pattern += "[^\n]*".join(pieces) + r"\n"
    text = normalized(actual).rstrip("\n")
    return re.fullmatch(pattern, text + "\n" if text else "") is not None
