"""The channel table's history in the reader's words: what each version changed and
why it was published.

A version keeps its change as the CLI's English summary line (`channels.diff`) and a
note: the site's own (`SITE_NOTE: edit KEY`), a rollback's (`rollback to version N`), or
whatever the publisher wrote (the file's name, by default), which is shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.admin.keyword_history import rolled_back_to
from channels.diff import Summary, read_summary
from filecheck.wording import N_, Wording
from storage.tables.versions import Version

SITE_NOTE = "admin site"  # what channel_views writes before the edit and the key
_SITE_EDIT = re.compile(rf"^{SITE_NOTE}: (new|edit|enable|disable) (\S+)$")
_SITE_EDITS = {
    "new": N_("Created %(key)s on the admin site"),
    "edit": N_("Edited %(key)s on the admin site"),
    "enable": N_("Enabled %(key)s on the admin site"),
    "disable": N_("Disabled %(key)s on the admin site"),
}


def site_note(action: str, key: str) -> str:
    """The note of a publish from a channel's form or switch (`_SITE_EDITS` says it)."""
    return f"{SITE_NOTE}: {action} {key}"


@dataclass(frozen=True)
class HistoryLine:
    """One version as the history page shows it. `summary` None: a line this release
    cannot read, shown as written; `note` None: the note is shown as written."""

    version: Version
    summary: Summary | None
    note: Wording | None


def note_wording(note: str) -> Wording | None:
    back = rolled_back_to(note)
    if back is not None:
        return Wording(N_("Rolled back to version %(n)s"), {"n": back})
    edit = _SITE_EDIT.match(note)
    if edit is not None:
        return Wording(_SITE_EDITS[edit[1]], {"key": edit[2]})
    return None


def history_lines(listed: list[Version]) -> list[HistoryLine]:
    return [HistoryLine(v, read_summary(v.summary), note_wording(v.note)) for v in listed]
