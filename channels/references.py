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
from filecheck.wording import N_, Wording
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
            message = Wording(
                N_("no channel group '%(name)s' in the channel table (groups: %(known)s)"),
                {"name": ref.value, "known": ", ".join(groups) or Wording(N_("none"))},
            )
        elif not ref.group and ref.value not in names:
            message = Wording(
                N_("no channel '%(name)s' in the channel table (by key or name): it matches"
                   " only a scene or state recorded as it is"),
                {"name": ref.value},
            )  # fmt: skip
        else:
            continue
        problems.append(Problem(ref.source, ref.line, ref.where, message, Severity.WARNING))
    return problems
