"""What a journey would do for one person from now: each step's time, check and channels.

Pure: it reads the person's facts as they are now and assumes nothing about them
changes (the real run re-checks everything when each step comes due).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from journeys.definition import Catalog, Journey
from journeys.expressions import Context
from journeys.sends import attempts_for
from storage.profile_facts import ProfileFacts


@dataclass(frozen=True)
class PlannedStep:
    number: int
    at: datetime
    action: str
    # "send via custom → template → remind", "skip: condition ...", "exit: lead:any", ...
    outcome: str
    note: str = ""


def plan(
    journey: Journey, catalog: Catalog, facts: ProfileFacts, now: datetime
) -> tuple[str | None, list[PlannedStep]]:
    """(why the person would not enter, or None; the steps as they would run)."""
    ctx = Context(facts, now)
    if journey.when is not None and not journey.when.holds(ctx):
        return "entry condition does not hold", []
    steps: list[PlannedStep] = []
    at = now
    for index, step in enumerate(journey.steps):
        at = step.wait.due(at)
        note = ""
        action = step.action
        if action.is_message and catalog.quiet_hours.contains(at):
            at, note = catalog.quiet_hours.next_open(at), "held for quiet hours"
        if journey.exit is not None and journey.exit.holds(ctx):
            steps.append(
                PlannedStep(index + 1, at, action.kind.value, "exit: " + journey.exit_text)
            )
            break
        if step.when is not None and not step.when.holds(ctx):
            outcome = f"skip: condition {step.when_text} does not hold"
        elif action.is_message and facts.lead_locked:
            outcome = "skip: do-not-disturb (won lead)"
        elif action.kind.value in ("add_tags", "remove_tags"):
            outcome = f"{action.kind.value} {', '.join(action.tags)}"
        elif action.kind.value == "add_points":
            outcome = f"add {action.points} points"
        else:
            chain = attempts_for(action, facts, catalog, journey=journey.name, key="dry-run")
            channels = " → ".join(a.channel for a in chain)
            outcome = f"send via {channels}" if chain else "unreachable: no channel"
        steps.append(PlannedStep(index + 1, at, action.kind.value, outcome, note))
    return None, steps
