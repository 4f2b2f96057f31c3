"""Channels and channel groups that grades and journey conditions name, checked against a
channel table.

A name the table does not know is a warning, never an error: `channel:KEY` still
matches a QR scene or contact-way state that no channel claims (such keys are recorded
as they are), and the table may be published after the condition was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from channels.model import ChannelTable
from keywords.problems import Problem, Severity


@dataclass(frozen=True)
class ChannelReference:
    """One channel (by key or name) or one group, named at `source`:`line` (0: unknown)."""

    source: str
    line: int
    where: str  # e.g. "[[leads.grades]] A.channels", "journey nurture.exit"
    value: str
    group: bool = False


def unknown_references(
    table: ChannelTable, references: Iterable[ChannelReference]
) -> list[Problem]:
    """A warning for each reference `table` has no channel or group for."""
    names = {c.key for c in table.channels} | {c.name for c in table.channels}
    groups = sorted({c.group for c in table.channels if c.group})
    problems = []
    for ref in references:
        if ref.group and ref.value not in groups:
            known = ", ".join(groups) or "none"
            message = f"no channel group {ref.value!r} in the channel table (groups: {known})"
        elif not ref.group and ref.value not in names:
            message = (
                f"no channel {ref.value!r} in the channel table (by key or name): it matches"
                " only a scene or state recorded as it is"
            )
        else:
            continue
        problems.append(Problem(ref.source, ref.line, ref.where, message, Severity.WARNING))
    return problems
