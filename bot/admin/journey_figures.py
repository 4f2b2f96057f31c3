"""The journeys page's figures: those of `wxbot journeys stats NAME`, and its funnel.

The numbers come from `storage.journey_repo.journey_stats` (the CLI's own query),
so the page and the command cannot disagree; the funnel adds how many runs got
past each step, from its `runs_by_step`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.reader import Reader
from filecheck.wording import N_
from journeys.definition import ActionKind, Catalog, Journey
from journeys.waits import Wait
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
    wait: Wait
    action: ActionKind
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

    def funnel(self, words: Reader) -> list[dict[str, object]]:
        """Entered → step 1 fired → … → converted to lead → won, for ECharts."""
        stages = [(words.gettext(N_("Entered")), self.entered)]
        stages += [(words.gettext(N_("Step %(n)s")) % {"n": s.number}, s.fired) for s in self.steps]
        stages += [
            (words.gettext(N_("Became a lead")), self.converted_to_lead),
            (words.gettext(N_("Won")), self.converted_to_won),
        ]
        return [{"name": name, "value": value} for name, value in stages]


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
            step.wait,
            step.action.kind,
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


def wait_text(wait: Wait, words: Reader) -> str:
    """A step's wait as people say it: "等待 2小时", "次日 10:00"."""
    if wait.at is not None:
        return words.gettext(N_("next day at %(time)s")) % {"time": f"{wait.at:%H:%M}"}
    return words.gettext(N_("after %(span)s")) % {"span": words.duration(wait.delay)}


def trigger_parts(trigger: str) -> tuple[str, str]:
    """A journey's trigger as (kind, what): "click:MENU_PRICE" → ("click", "MENU_PRICE")."""
    kind, _, what = trigger.partition(":")
    return kind, what
