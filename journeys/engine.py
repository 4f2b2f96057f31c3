"""The journey engine: enter people into runs, and fire the steps that are due.

Entering is one INSERT per batch of people (the run row is the timer), so a
campaign of 100 000 costs a few bulk statements and nothing at trigger time
loops over steps. Firing claims due runs in batches and decides each step from
facts read for the whole batch; sends go to the durable outbox in the same
transaction that advances the run, so each step fires exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from journeys.definition import Action, ActionKind, Catalog, Journey, Step
from journeys.expressions import AnyOf, Context, describe
from journeys.sends import JourneySend, attempts_for, send_job
from journeys.waits import start_of_day
from storage import journey_repo as repo
from storage.journey_models import ACTIVE, DONE, EXITED
from storage.journey_repo import DueRun, RunEvent, RunUpdate
from storage.outbox import add_jobs
from storage.profile_facts import ProfileFacts, load_facts
from storage.profile_tags import add_tag, grant_points, remove_tag
from storage.records import JobRequest, PointGrant

log = logging.getLogger(__name__)

FIRE_BATCH = 500
SOURCE_PREFIX = "journey:"


@dataclass
class _Round:
    """What one batch of due runs turned into, written in one go at the end."""

    # Journey messages queued per person today, counted up as the round queues more.
    sent: dict[int, int] = field(default_factory=dict)
    updates: list[RunUpdate] = field(default_factory=list)
    events: list[RunEvent] = field(default_factory=list)
    jobs: list[JobRequest] = field(default_factory=list)


class JourneyEngine:
    """The journeys of one catalog, run with one clock."""

    def __init__(
        self, catalog: Catalog, clock: Callable[[], datetime], *, wecom_app: str = ""
    ) -> None:
        self.catalog = catalog
        self._clock = clock
        self._wecom_app = wecom_app

    def now(self) -> datetime:
        return self._clock()

    async def enter(
        self,
        session: AsyncSession,
        journey: Journey,
        profile_ids: Sequence[int],
        *,
        trigger: str,
        facts: dict[int, ProfileFacts] | None = None,
    ) -> int:
        """Start runs for these people (those meeting the entry condition); how many started."""
        now = self._clock()
        ids = list(profile_ids)
        if journey.when is not None:
            known = facts if facts is not None else await load_facts(session, ids, now=now)
            ids = [i for i in ids if i in known and journey.when.holds(Context(known[i]))]
        if journey.restart:
            for profile_id in ids:
                await repo.end_active(
                    session, journey.name, profile_id, status=EXITED, reason="restarted", now=now
                )
        started = await repo.enter_runs(
            session,
            journey.name,
            ids,
            trigger=trigger,
            due_at=journey.steps[0].wait.due(now),
            now=now,
        )
        if started:
            log.info("journey %s: %d entered (%s)", journey.name, len(started), trigger)
        return len(started)

    async def check_exits(self, session: AsyncSession, profile_id: int) -> int:
        """End the person's active runs whose exit now holds; how many ended."""
        runs = await repo.active_runs(session, profile_id)
        if not runs:
            return 0
        now = self._clock()
        facts = (await load_facts(session, [profile_id], now=now, last_message=True)).get(
            profile_id
        )
        ended = 0
        for run in runs:
            journey = self.catalog.get(run.journey)
            reason = None if facts is None or journey is None else _exit_reason(
                journey, Context(facts, run.started_at)
            )  # fmt: skip
            if reason is None:
                continue
            await repo.end_active(
                session, run.journey, profile_id, status=EXITED, reason=reason, now=now
            )
            event = RunEvent(run.id, profile_id, run.journey, run.step, "exited", now, None, reason)
            await repo.add_events(session, [event])
            ended += 1
        return ended

    async def fire_due(self, session: AsyncSession, limit: int = FIRE_BATCH) -> int:
        """Fire one batch of due steps in the caller's transaction; how many runs were due."""
        now = self._clock()
        runs = await repo.claim_due(session, now, limit)
        if not runs:
            return 0
        ids = [run.profile_id for run in runs]
        facts = await load_facts(session, ids, now=now, last_message=True)
        batch = _Round(sent=await repo.messages_since(session, ids, start_of_day(now)))
        for run in runs:
            firing = _Firing(session, run, now, batch)
            await self._fire(firing, self.catalog.get(run.journey), facts.get(run.profile_id))
        await repo.settle(session, batch.updates)
        await repo.add_events(session, batch.events)
        add_jobs(session, batch.jobs, now)
        return len(runs)

    async def _fire(
        self, firing: _Firing, journey: Journey | None, facts: ProfileFacts | None
    ) -> None:
        run, now = firing.run, firing.now
        if journey is None or facts is None:
            firing.end(EXITED, "journey removed" if journey is None else "profile gone")
            return
        if run.step >= len(journey.steps):
            firing.end(DONE, "finished")
            return
        ctx = Context(facts, run.started_at)
        reason = _exit_reason(journey, ctx)
        if reason is not None:
            firing.end(EXITED, reason)
            return
        later = await self._run_step(firing, journey, facts, ctx)
        if later is not None:  # postponed: the same step, later
            firing.batch.updates.append(RunUpdate(run.id, run.step, later))
            return
        following = run.step + 1
        if following >= len(journey.steps):
            firing.batch.updates.append(RunUpdate(run.id, following, None, DONE, "finished", now))
            firing.event(DONE, "finished")
        else:
            due = journey.steps[following].wait.due(now)
            firing.batch.updates.append(RunUpdate(run.id, following, due, ACTIVE))

    def _hold(self, firing: _Firing, step: Step, facts: ProfileFacts, ctx: Context) -> str | None:
        """Why the step is skipped now ("skip:..."), or must wait ("wait:..."), else None."""
        run, now = firing.run, firing.now
        message = step.action.is_message
        checks = (
            (step.stale_after is not None and now - run.due_at > step.stale_after,
             f"skip:stale: due {_span(now - run.due_at)} ago"),
            (step.when is not None and not step.when.holds(ctx),
             f"skip:condition: {step.when_text}"),
            (message and facts.lead_locked, "skip:do-not-disturb (won lead)"),
            (message and self.catalog.quiet_hours.contains(now), "wait:quiet"),
            (message and firing.batch.sent.get(run.profile_id, 0) >= self.catalog.daily_cap,
             "wait:cap"),
        )  # fmt: skip
        return next((reason for failed, reason in checks if failed), None)

    async def _run_step(
        self, firing: _Firing, journey: Journey, facts: ProfileFacts, ctx: Context
    ) -> datetime | None:
        """Run the step; a time when it must wait (quiet hours, the daily cap), else None."""
        run, now = firing.run, firing.now
        step = journey.steps[run.step]
        hold = self._hold(firing, step, facts, ctx)
        quiet = self.catalog.quiet_hours
        if hold == "wait:quiet":
            opens = quiet.next_open(now)
            # The window as written (Asia/Shanghai); the run's next step says when, with its zone.
            window = f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
            firing.event("postponed", f"quiet hours {window}")
            return opens
        if hold == "wait:cap":
            firing.event("postponed", f"daily cap {self.catalog.daily_cap} reached")
            return quiet.day_after(now)
        if hold is not None:
            firing.event("skipped", hold.removeprefix("skip:"))
            return None
        action = step.action
        if action.kind in _PROFILE_ACTIONS:
            await _apply(firing.session, journey.name, run.profile_id, action, now)
            firing.event("done", action.kind.value)
            return None
        key = f"j{run.id}s{run.step}"
        attempts = attempts_for(action, facts, self.catalog, journey=journey.name, key=key)
        if not attempts:
            firing.event("unreachable", "no channel: not following, no WeCom owner")
            return None
        send = JourneySend(
            run.id,
            run.profile_id,
            journey.name,
            run.step,
            tuple(attempts),
            account=facts.account or "",
            wecom_app=self._wecom_app,
        )
        firing.batch.jobs.append(send_job(send))
        if action.is_message:
            firing.batch.sent[run.profile_id] = firing.batch.sent.get(run.profile_id, 0) + 1
        chain = " → ".join(attempt.channel for attempt in attempts)
        firing.event(repo.QUEUED, chain, attempts[0].channel)
        return None


def _span(delta: timedelta) -> str:
    """`2d 3h`, `5h 10m`, `7m`: how late a step is, in no time zone."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


_PROFILE_ACTIONS = frozenset({ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS, ActionKind.ADD_POINTS})


@dataclass
class _Firing:
    """One due run being fired, and the round it writes into."""

    session: AsyncSession
    run: DueRun
    now: datetime
    batch: _Round

    def event(self, kind: str, detail: str | None = None, channel: str | None = None) -> None:
        run = self.run
        self.batch.events.append(
            RunEvent(run.id, run.profile_id, run.journey, run.step, kind, self.now, channel, detail)
        )

    def end(self, status: str, reason: str) -> None:
        self.batch.updates.append(
            RunUpdate(self.run.id, self.run.step, None, status, reason, self.now)
        )
        self.event(status, reason)


def _exit_reason(journey: Journey, ctx: Context) -> str | None:
    if journey.exit is None or not journey.exit.holds(ctx):
        return None
    part = journey.exit.first_true(ctx) if isinstance(journey.exit, AnyOf) else journey.exit
    return f"exit: {describe(part or journey.exit)}"


async def _apply(
    session: AsyncSession, journey: str, profile_id: int, action: Action, now: datetime
) -> None:
    source = f"{SOURCE_PREFIX}{journey}"
    if action.kind == ActionKind.ADD_POINTS:
        await grant_points(session, [(profile_id, PointGrant(action.points, source))], at=now)
        return
    for tag in action.tags:
        if action.kind == ActionKind.ADD_TAGS:
            await add_tag(session, profile_id, tag, category="behavior", source=source, at=now)
        else:
            await remove_tag(session, profile_id, tag, source=source, at=now)
