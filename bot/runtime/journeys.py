"""The journeys' long-lived objects: catalog, engine, triggers and the step scheduler.

Built once per app by the lifespan in `bot.app`. The scheduler runs in every
process: due steps are claimed with row locks (storage.journey_repo), so any
number of processes fire each step once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config.settings import Settings
from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S, JOURNEY_SCHEDULER_INTERVAL_S
from bot.runtime.periodic import Periodic
from journeys.definition import Catalog
from journeys.engine import FIRE_BATCH, JourneyEngine
from journeys.journeys_file import load_journeys as read_journeys_file
from journeys.triggers import JourneyTriggers
from storage.database import SessionFactory

log = logging.getLogger(__name__)


class JourneyScheduler:
    """Fires due steps a batch per transaction; wakes the outbox when it queued sends."""

    def __init__(
        self,
        engine: JourneyEngine,
        sessions: SessionFactory,
        on_queued: Callable[[], None],
        interval_s: float = JOURNEY_SCHEDULER_INTERVAL_S,
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._on_queued = on_queued
        self._loop = Periodic("journey-steps", self._round, interval_s)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _round(self) -> bool:
        # A full batch means more are due: go again at once.
        return await self.run_once() == FIRE_BATCH

    async def run_once(self, limit: int = FIRE_BATCH) -> int:
        async with self._sessions.begin() as session:
            fired = await self._engine.fire_due(session, limit)
        if fired:
            self._on_queued()
        return fired


@dataclass
class JourneysRuntime:
    catalog: Catalog
    engine: JourneyEngine
    triggers: JourneyTriggers
    scheduler: JourneyScheduler | None = None

    def scheduler_for(
        self, sessions: SessionFactory, on_queued: Callable[[], None]
    ) -> JourneyScheduler:
        """The step scheduler (started only where this process runs sweepers)."""
        self.scheduler = JourneyScheduler(self.engine, sessions, on_queued)
        return self.scheduler


def wecom_app_for(settings: Settings) -> str:
    """The WeCom app that carries owner messages and reminders: the leads app, else the first."""
    if settings.leads is not None:
        return settings.leads.wecom
    return settings.wecom[0].name if settings.wecom else ""


def build_journeys(
    settings: Settings, catalog: Catalog, clock: Callable[[], datetime]
) -> JourneysRuntime:
    engine = JourneyEngine(catalog, clock, wecom_app=wecom_app_for(settings))
    return JourneysRuntime(catalog, engine, JourneyTriggers(engine))


async def load_journeys(
    settings: Settings, clock: Callable[[], datetime]
) -> JourneysRuntime | None:
    """`[journeys] file` (read in a thread: file I/O), or None when no journeys are set."""
    path = settings.journeys.file
    if path is None:
        return None
    catalog = await asyncio.to_thread(read_journeys_file, path)
    for grade in settings.leads.grades if settings.leads else ():
        if grade.journey and catalog.get(grade.journey) is None:
            log.warning("grade %s names journey %r, not in %s", grade.name, grade.journey, path)
    return build_journeys(settings, catalog, clock)
