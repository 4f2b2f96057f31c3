"""A lead's events and the answers of lead actions, in the reader's words.

Lead events store what happened as codes and short details ("score=130", "-→B",
"tier 2"); the staff chat has its own bilingual catalogue (`leads.wording`). The
site writes both through its catalogs: system details become sentences, and what
people wrote (notes, the alert's reason) is shown as they wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.admin.catalogs import Lang
from bot.admin.names import Names
from bot.admin.reader import Reader
from bot.admin.vocabulary import LEAD_EVENT, LEAD_STATE, TRANSFER_STATE
from filecheck.wording import N_
from leads.sales_actions import Answer
from leads.wording import Lang as ChatLang
from storage.lead_models import LeadEvent

NO_GRADE = "-"
# A hand-over's timeline entry (`leads.handover`): "交接 #3：zhangsan → lisi；离职".
HANDED_OVER = re.compile(r"^交接 #(?P<id>\d+)：(?P<from>\S+) → [^；\s]+(?:；(?P<reason>.*))?$")
ANSWERS = {
    "transferred": N_("Lead #%(id)s now belongs to %(owner)s"),
    "already_theirs": N_("Lead #%(id)s already belongs to %(owner)s"),
    "their_capacity": N_("%(owner)s has no room for more leads (%(max)s open)"),
    "not_sales": N_("%(target)s is not in the sales team"),
    "no_lead": N_("There is no lead #%(id)s"),
    "unlocked": N_("Lead #%(id)s is unlocked: its alerts resume"),
    "not_locked": N_("Lead #%(id)s is not locked"),
}


@dataclass(frozen=True)
class EventLine:
    """One timeline entry: `change` and `detail` are sentences, `note` is people's text."""

    id: int
    at: datetime
    what: str
    actor: str
    change: str = ""
    owner: str | None = None
    detail: str = ""
    note: str = ""


def _grade(value: str, words: Reader) -> str:
    return words.gettext(N_("no grade")) if value in ("", NO_GRADE) else value


def _grade_change(detail: str, words: Reader) -> str:
    old, _, new = detail.partition("→")
    return f"{_grade(old, words)} → {_grade(new, words)}"


def grade_path(history: Sequence[str], words: Reader) -> str:
    """How a lead's grade got where it is, from its changes ("-→B", "B→A"): "无 → B → A"."""
    if not history:
        return ""
    steps = [history[0].partition("→")[0], *(change.partition("→")[2] for change in history)]
    return " → ".join(_grade(step, words) for step in steps)


def event_line(
    event: LeadEvent, words: Reader, who: Names, mask: Callable[[str], str]
) -> EventLine:
    """`event` as the lead's page lists it."""
    detail, note = "", ""
    raw = event.detail or ""
    if event.kind == "created" and raw.startswith("score="):
        detail = words.gettext(N_("with %(points)s points")) % {
            "points": raw.removeprefix("score=")
        }
    elif event.kind == "graded":
        detail = _grade_change(raw, words)
    elif event.kind == "contact_added" and raw:
        detail = words.gettext(N_("through %(channel)s")) % {"channel": who.channel(raw)}
    elif event.kind in ("transferred", "pooled") and (handed := HANDED_OVER.match(raw)):
        fields = {"id": handed["id"], "name": who.salesperson(handed["from"]) or handed["from"]}
        detail = words.gettext(N_("hand-over #%(id)s from %(name)s")) % fields
        note = mask(handed["reason"] or "")
    elif event.kind in ("customer_transferred", "customer_transfer_failed"):
        detail = _transfer_detail(raw, words, who)
    elif event.kind == "customer_mismatch":
        detail = _mismatch_detail(raw, words, who)
    elif event.kind == "escalated" and raw.startswith("tier "):
        detail = words.gettext(N_("reminder %(tier)s")) % {"tier": raw.removeprefix("tier ")}
    else:
        note = mask(raw)
    change = ""
    if event.kind == "state" and event.to_state:
        before = words.label(LEAD_STATE, event.from_state) if event.from_state else ""
        change = f"{before} → {words.label(LEAD_STATE, event.to_state)}".strip()
    owner = event.owner if event.kind in ("assigned", "transferred", "claimed") else None
    return EventLine(
        event.id,
        event.created_at,
        words.label(LEAD_EVENT, event.kind),
        event.actor,
        change,
        who.salesperson(owner),
        detail,
        note,
    )


def _transfer_detail(raw: str, words: Reader, who: Names) -> str:
    """ "refused wm… a→b errcode 40128" (`leads.transfer_outcomes`) as the reader's words."""
    state, _, rest = raw.partition(" ")
    _, _, pair = rest.partition(" ")
    giver, _, taker = pair.split(" ", 1)[0].partition("→")
    names = f"{who.salesperson(giver) or ''} → {who.salesperson(taker) or ''}" if taker else ""
    return f"{words.label(TRANSFER_STATE, state)} · {names}".strip(" ·")


def _mismatch_detail(raw: str, words: Reader, who: Names) -> str:
    """ "wm… moved to lisi" / "wm… not with anyone on the team" (`leads.reconcile`)."""
    _, _, where = raw.partition(" ")
    if where.startswith("moved to "):
        holder = who.salesperson(where.removeprefix("moved to ")) or ""
        return words.gettext(N_("now with %(holder)s in WeCom")) % {"holder": holder}
    return words.gettext(N_("deleted in WeCom: with nobody on the team"))


def answer_text(answer: Answer, words: Reader, who: Names, target: str | None = None) -> str:
    """What a lead action did, for the notice above the page; `target` is the userid a
    lead was handed to (the chat's answer names them as "name(userid)")."""
    message = answer.message
    key = getattr(message, "key", "")
    template = ANSWERS.get(key)
    if template is None:
        # Anything else the staff chat can answer: its own catalogue, in our language.
        return message.render(ChatLang.EN if words.lang is Lang.EN else ChatLang.ZH)
    fields = dict(getattr(message, "fields", {}))
    if "owner" in fields and target is not None:
        fields["owner"] = who.salesperson(target)
    return words.gettext(template) % fields
