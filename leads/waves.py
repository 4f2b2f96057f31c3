"""A wave of new leads: everything decided in memory, then written in a few statements.

A broadcast with a call to action makes hundreds of people qualify in one effects
batch. Each used to cost a dozen round trips (the lock, two scans for the team's load,
the tags, the card's facts, three inserts). Here the batch's new leads are planned
together: one read of their tags, one read of the team's load (kept by
`storage.leads.load`), round robin advanced in memory (`after_assignment`); then
`storage.leads.waves` writes leads, timeline entries and alert jobs in one statement each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from leads.assignment import TeamLoad, after_assignment, pick_owner
from leads.grades import Grade
from leads.lifecycle import LeadState
from leads.policy import LeadPolicy
from storage.leads.waves import NewEntry, NewLead

SYSTEM = "system"


@dataclass(frozen=True)
class Candidate:
    """A qualified person with no lead yet, as qualification saw them."""

    profile_id: int
    score: int
    channel: str | None
    grade: Grade | None


@dataclass
class WavePlan:
    """The leads to make, their timeline in order, and who gets an alert for which reason."""

    leads: list[NewLead] = field(default_factory=list)
    entries: list[NewEntry] = field(default_factory=list)
    # Profile id → the alert's reason, for leads given to someone.
    alerts: dict[int, str] = field(default_factory=dict)


def needs_assignment(candidate: Candidate) -> bool:
    """Pushed to sales now; a grade that nurtures leaves the lead unassigned, unalerted."""
    return candidate.grade is None or candidate.grade.push


def plan_wave(
    policy: LeadPolicy,
    candidates: Sequence[Candidate],
    tags: Mapping[int, Sequence[str]],
    load: TeamLoad,
) -> WavePlan:
    """Each lead as `LeadIntake` made them one by one: created, graded, then assigned.

    Pure: the same candidates, tags and load give the same plan.
    """
    plan = WavePlan()
    for candidate in candidates:
        pid, grade = candidate.profile_id, candidate.grade
        owner = None
        assigned = needs_assignment(candidate)
        if assigned:
            rep = pick_owner(policy, tags.get(pid, ()), load)
            if rep is not None:
                owner = rep.userid
                load = after_assignment(load, owner)
        name = None if grade is None else grade.name
        plan.leads.append(NewLead(pid, LeadState.NEW, candidate.channel, name, owner, assigned))
        plan.entries.append(_entry(pid, "created", None, f"score={candidate.score}"))
        if name is not None:
            plan.entries.append(_entry(pid, "graded", None, f"-→{name}"))
        if assigned:
            reason = "新线索" if name is None else f"新线索 · {name} 级"
            plan.entries.append(_entry(pid, "assigned" if owner else "pooled", owner, reason))
            if owner is not None:
                plan.alerts[pid] = reason
    return plan


def _entry(profile_id: int, kind: str, owner: str | None, detail: str) -> NewEntry:
    return NewEntry(profile_id, kind, SYSTEM, LeadState.NEW, owner, detail)
