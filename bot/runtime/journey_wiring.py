"""Wiring of the journeys into the app: the catalog at start, the scheduler task, the step."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot.app_keys import JOURNEYS, OUTBOX_WORKER, SESSIONS, SETTINGS
from bot.callbacks.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.runtime.journeys import SCHEDULER_INTERVAL_S, JourneyScheduler, build_journeys
from bot.runtime.periodic import Periodic
from journeys.engine import FIRE_BATCH
from journeys.journeys_file import load_journeys
from storage.evaluation import EvaluationStep

log = logging.getLogger(__name__)


def journeys_ctx(clock: Callable[[], datetime]) -> Callable[[web.Application], AsyncIterator[None]]:
    """Load `[journeys] file` (in a thread: file I/O) before tagging and leads, which trigger."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        path = settings.journeys.file
        if path is not None:
            catalog = await asyncio.to_thread(load_journeys, path)
            for grade in settings.leads.grades if settings.leads else ():
                if grade.journey and catalog.get(grade.journey) is None:
                    log.warning(
                        "grade %s names journey %r, not in %s", grade.name, grade.journey, path
                    )
            app[JOURNEYS] = build_journeys(settings, catalog, clock)
        yield

    return ctx


def journey_steps(app: web.Application) -> list[EvaluationStep]:
    """The journeys' evaluation step, when journeys are configured (after lead qualification)."""
    runtime = app.get(JOURNEYS)
    return [] if runtime is None else [runtime.triggers.step]


def scheduler_ctx(*, run: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    """The step scheduler (after the outbox worker, which sends what it queues)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        runtime = app.get(JOURNEYS)
        periodic = None
        if runtime is not None:
            scheduler = JourneyScheduler(runtime.engine, app[SESSIONS], app[OUTBOX_WORKER].wake)
            runtime.scheduler = scheduler

            async def round_() -> bool:
                return await scheduler.run_once() == FIRE_BATCH

            periodic = Periodic("journey-steps", round_, SCHEDULER_INTERVAL_S)
            if run:
                periodic.start()
        try:
            yield
        finally:
            if periodic is not None:
                await periodic.stop(BACKGROUND_STOP_TIMEOUT_S)

    return ctx
