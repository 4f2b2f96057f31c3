"""The audit log in the reader's words: what each recorded change was.

Entries keep the action as a code and a short detail; publishes and rollbacks of
every ops table (written with the version by `storage.tables.versions`, whoever
publishes) carry their version and the names they changed as JSON. Entries from before
that (or of an action this release does not know) show their detail as it was written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.admin.names import Names
from bot.admin.reader import Reader
from bot.admin.vocabulary import ROLE, TEAM_FIELD
from filecheck.wording import N_
from storage.admin_users import AuditEntry

_ROLE = re.compile(r"^role=(\w+)$")
_FAILURES = re.compile(r"^(\d+) failed sign-ins$")


@dataclass(frozen=True)
class AuditLine:
    """`detail` is a sentence in the reader's language; `data` is names or text as written."""

    entry: AuditEntry
    detail: str = ""
    data: str = ""


def _changes(fields: dict[str, object], words: Reader) -> str:
    """ "added a、b；changed c", from a publish's rule names."""
    parts = []
    for key, template in (("added", N_("added %(names)s")), ("changed", N_("changed %(names)s")),
                          ("removed", N_("removed %(names)s"))):  # fmt: skip
        names = fields.get(key)
        if isinstance(names, list) and names:
            parts.append(words.gettext(template) % {"names": "、".join(map(str, names))})
    return "；".join(parts)


def _value(value: object) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value)) or "-"
    return "-" if value is None else str(value)


def _team_line(entry: AuditEntry, fields: dict[str, object], words: Reader) -> AuditLine:
    """A team change (`storage.team.members`, `bot.ops.team_ops`) in the reader's words;
    the values before and after as written."""
    changes = fields.get("changes")
    if isinstance(changes, dict):
        named = "、".join(words.label(TEAM_FIELD, key) for key in changes)
        data = "；".join(
            f"{key} {_value(pair[0])} → {_value(pair[1])}"
            for key, pair in changes.items()
            if isinstance(pair, list) and len(pair) == 2  # noqa: PLR2004 - [before, after]
        )
        return AuditLine(entry, words.gettext(N_("changed %(fields)s")) % {"fields": named}, data)
    if isinstance(userids := fields.get("userids"), list):
        return AuditLine(entry, data=_value(userids))
    if isinstance(owners := fields.get("owners"), dict):
        text = words.ngettext(
            "hand-over #%(id)s: %(num)s lead", "hand-over #%(id)s: %(num)s leads", len(owners)
        ) % {"id": fields.get("handover"), "num": len(owners)}
        return AuditLine(entry, text, _value(fields.get("reason") or ""))
    if isinstance(after := fields.get("after"), dict):
        return AuditLine(entry, data=f"{after.get('name')} ({after.get('userid')})")
    return AuditLine(entry)


def audit_line(entry: AuditEntry, words: Reader, who: Names) -> AuditLine:
    detail = entry.detail
    if entry.action.startswith("team.") and detail.startswith("{"):
        return _team_line(entry, json.loads(detail), words)
    if entry.action.endswith((".publish", ".rollback")) and detail.startswith("{"):
        fields = json.loads(detail)
        version = words.gettext(N_("version %(n)s")) % {"n": fields.get("version")}
        if "from_version" in fields:
            version = words.gettext(N_("version %(n)s, the table of version %(old)s")) % {
                "n": fields.get("version"),
                "old": fields["from_version"],
            }
        return AuditLine(entry, version, _changes(fields, words))
    if entry.action == "lead.reassign" and detail:
        name = who.salesperson(detail.removeprefix("to "))  # "to userid" before this release
        return AuditLine(entry, words.gettext(N_("to %(name)s")) % {"name": name})
    role = _ROLE.match(detail)
    if role is not None:
        role_name = words.label(ROLE, role[1])
        return AuditLine(entry, words.gettext(N_("as %(role)s")) % {"role": role_name})
    failures = _FAILURES.match(detail)
    if failures is not None:
        text = words.gettext(N_("after %(n)s failed sign-ins")) % {"n": failures[1]}
        return AuditLine(entry, text)
    return AuditLine(entry, data=detail)
