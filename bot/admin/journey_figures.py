"""The journeys page's figures: those of `wxbot journeys stats NAME`, and its funnel.

The numbers come from `storage.journey_repo.journey_stats` (the CLI's own query),
so the page and the command cannot disagree; the funnel adds how many runs got
past each step, from its `runs_by_step`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from journeys.definition import Catalog, Journey
from leads.lifecycle import LeadState
from storage import journey_repo as repo


@dataclass(frozen=True)
class JourneyLine:
    """One journey of the list: its figures at a glance."""

    name: str
    trigger: str
    steps: int
    entered: int
    active: int
    converted_to_lead: int
    converted_to_won: int


@dataclass(frozen=True)
class StepLine:
    """One step: what it does, how many runs wait at it, and how many got past it."""

    number: int
    wait: str
    action: str
    waiting: int
    fired: int


@dataclass(frozen=True)
class JourneyFigures:
    name: str
    trigger: str
    entered: int
    steps: list[StepLine]
    ended_by_reason: list[tuple[str, int]]
    converted_to_lead: int
    converted_to_won: int

    def funnel(self) -> list[dict[str, object]]:
        """Entered → step 1 fired → … → converted to lead → won, for ECharts."""
        stages = [("进入 entered", self.entered)]
        stages += [(f"第{s.number}步 step {s.number}", s.fired) for s in self.steps]
        stages += [("成为线索 lead", self.converted_to_lead), ("成交 won", self.converted_to_won)]
        return [{"name": name, "value": value} for name, value in stages]

    def as_json(self) -> dict[str, object]:
        """What the page's script reads (the template serialises it with |tojson)."""
        return {"name": self.name, "funnel": self.funnel()}


def fired_per_step(by_step: Mapping[int, int], steps: int) -> list[int]:
    """Runs past step 1, 2, … `steps`: those whose `step` (steps fired) is at least N.

    Counted from the stored runs alone: a run's `step` is how many of its steps
    fired (sent, done, skipped or found unreachable) and stays when the run ends,
    so a run that exited while waiting at step 3 counts for steps 1 and 2.
    """
    return [sum(n for at, n in by_step.items() if at >= number) for number in range(1, steps + 1)]


async def journey_lines(session: AsyncSession, catalog: Catalog) -> list[JourneyLine]:
    """Every configured journey with its figures (a few grouped queries per journey)."""
    lines = []
    for journey in catalog.journeys:
        stats = await repo.journey_stats(session, journey.name, LeadState.WON)
        lines.append(
            JourneyLine(
                journey.name,
                journey.trigger,
                len(journey.steps),
                stats.entered,
                sum(stats.active_by_step.values()),
                stats.converted_to_lead,
                stats.converted_to_won,
            )
        )
    return lines


async def journey_figures(session: AsyncSession, journey: Journey) -> JourneyFigures:
    stats = await repo.journey_stats(session, journey.name, LeadState.WON)
    fired = fired_per_step(stats.runs_by_step, len(journey.steps))
    steps = [
        StepLine(
            index + 1,
            str(step.wait),
            step.action.kind.value,
            stats.active_by_step.get(index, 0),
            fired[index],
        )
        for index, step in enumerate(journey.steps)
    ]
    return JourneyFigures(
        journey.name,
        journey.trigger,
        stats.entered,
        steps,
        sorted(stats.ended_by_reason.items()),
        stats.converted_to_lead,
        stats.converted_to_won,
    )
