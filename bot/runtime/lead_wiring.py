"""Wiring of the leads feature into the app: its objects, its route and its sweeper task."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot.app_keys import (
    CACHE,
    JOURNEYS,
    LEADS,
    OUTBOX_WORKER,
    SESSIONS,
    SETTINGS,
    WECOM_CALLBACKS,
)
from bot.callbacks.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.callbacks.wecom import WeComCallbacks, WeComEndpoint, WeComStaffHandlers
from bot.runtime.leads import LeadsRuntime, LeadSweeper
from bot.runtime.periodic import Periodic
from leads.contacts import ContactLinker
from leads.intake import LeadIntake
from leads.limits import SWEEP_INTERVAL_S
from leads.sales_actions import SalesActions
from leads.staff_chat import StaffCommandRunner
from leads.timers import LeadTimers
from storage.evaluation import EvaluationStep


def leads_ctx(clock: Callable[[], datetime]) -> Callable[[web.Application], AsyncIterator[None]]:
    """Builds the leads objects before the outbox worker, which runs the lead step."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        policy = app[SETTINGS].leads
        if policy is not None:
            journeys = app.get(JOURNEYS)
            intake = LeadIntake(policy, clock, journeys.triggers if journeys else None)
            app[LEADS] = LeadsRuntime(
                intake, SalesActions(intake, clock), LeadTimers(intake, clock)
            )
        yield

    return ctx


def lead_steps(app: web.Application) -> list[EvaluationStep]:
    """The qualification step, when leads are configured (it must run last)."""
    runtime = app.get(LEADS)
    return [] if runtime is None else [runtime.intake.step]


def wecom_ctx(
    clock: Callable[[], datetime], *, run_sweeper: bool = True
) -> Callable[[web.Application], AsyncIterator[None]]:
    """The WeCom callbacks and the background sweeper (after the outbox worker)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        wake = app[OUTBOX_WORKER].wake
        runtime = app.get(LEADS)
        staff = None
        periodic: Periodic | None = None
        if runtime is not None:
            policy = runtime.intake.policy
            staff = WeComStaffHandlers(
                StaffCommandRunner(runtime.desk), ContactLinker(policy, clock)
            )
            sweeper = LeadSweeper(runtime.timers, app[SESSIONS], app[CACHE], wake)
            runtime.sweeper = sweeper

            async def sweep() -> bool:
                await sweeper.run_once()
                return False

            # Spread the processes' sweeps so they rarely contend for the lock.
            interval = SWEEP_INTERVAL_S * (1 + random.random() / 10)  # noqa: S311
            periodic = Periodic("lead-sweep", sweep, interval)
            if run_sweeper:
                periodic.start(wait_first=True)
        endpoints = {app_.name: WeComEndpoint.of(app_) for app_ in settings.wecom}
        app[WECOM_CALLBACKS] = WeComCallbacks(
            endpoints,
            staff=staff,
            sessions=app[SESSIONS],
            cache=app[CACHE],
            on_stored=wake,
            clock=lambda: clock().timestamp(),
        )
        try:
            yield
        finally:
            if periodic is not None:
                await periodic.stop(BACKGROUND_STOP_TIMEOUT_S)

    return ctx


async def wecom_route(request: web.Request) -> web.StreamResponse:
    """`GET|POST /wecom/{name}`."""
    return await request.app[WECOM_CALLBACKS].handle(request)
