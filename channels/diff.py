"""What a publish changes: channels added, removed, changed, and the default welcome.

A version stores its change as one English line (`ChannelDiff.summary`: the CLI's
history prints it); `read_summary` reads that line back, so the admin site can say it in
the reader's language without parsing two versions of a table (a table of 1 000
channels takes most of a second to read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels.model import ChannelTable

NAMED = 5  # keys named per kind of change in the summary; the count says the rest
KINDS = ("added", "removed", "changed")
WELCOME_CHANGED = "default welcome changed"
NO_CHANGE = "no change"
# "2 added (a, b)", "7 changed (a, b, c, d, e, …)": keys are [A-Za-z0-9_.-], so no ", " in one.
_PART = re.compile(r"^(\d+) (added|removed|changed) \(([^()]*)\)$")


@dataclass(frozen=True)
class Named:
    """How many channels one kind of change touched, and the first of them by key."""

    count: int = 0
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelDiff:
    """Every key added, removed and changed from one table to the next."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    welcome_changed: bool = False

    def summary(self) -> str:
        """E.g. "1 added (feed_ads), 1 changed (spring_expo)"; "no change" when equal."""
        parts = []
        for label, keys in zip(KINDS, (self.added, self.removed, self.changed), strict=True):
            if keys:
                more = ", …" if len(keys) > NAMED else ""
                parts.append(f"{len(keys)} {label} ({', '.join(keys[:NAMED])}{more})")
        if self.welcome_changed:
            parts.append(WELCOME_CHANGED)
        return ", ".join(parts) or NO_CHANGE

    def named(self) -> Summary:
        """What `summary()` keeps of this diff (`read_summary` gives it back)."""
        return Summary(
            Named(len(self.added), self.added[:NAMED]),
            Named(len(self.removed), self.removed[:NAMED]),
            Named(len(self.changed), self.changed[:NAMED]),
            self.welcome_changed,
        )


@dataclass(frozen=True)
class Summary:
    """A summary line read back: counts, the keys it names, the default welcome."""

    added: Named = Named()
    removed: Named = Named()
    changed: Named = Named()
    welcome_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added.count or self.removed.count or self.changed.count
                    or self.welcome_changed)  # fmt: skip


def diff_tables(old: ChannelTable, new: ChannelTable) -> ChannelDiff:
    """Keys in the order of the table they are found in (`new`, or `old` for removals)."""
    before = {c.key: c for c in old.channels}
    after = {c.key: c for c in new.channels}
    return ChannelDiff(
        added=tuple(k for k in after if k not in before),
        removed=tuple(k for k in before if k not in after),
        changed=tuple(k for k in after if k in before and after[k] != before[k]),
        welcome_changed=old.default_welcome != new.default_welcome,
    )


def diff_summary(old: ChannelTable, new: ChannelTable) -> str:
    return diff_tables(old, new).summary()


def read_summary(line: str) -> Summary | None:
    """The parts of a summary line `ChannelDiff.summary` wrote; None for any other text."""
    if line == NO_CHANGE:
        return Summary()
    found: dict[str, Named] = {}
    welcome = False
    # Split on ", " outside the parentheses: the keys inside are separated the same way.
    for part in re.findall(r"[^,(]+(?:\([^()]*\))?", line):
        text = part.strip()
        if text == WELCOME_CHANGED and not welcome:
            welcome = True
            continue
        match = _PART.match(text)
        if match is None or match[2] in found or welcome:
            return None
        keys = tuple(k for k in match[3].split(", ") if k != "…")
        found[match[2]] = Named(int(match[1]), keys)
    if not found and not welcome:
        return None
    if list(found) != [k for k in KINDS if k in found]:
        return None
    return Summary(**found, welcome_changed=welcome)
