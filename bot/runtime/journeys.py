"""The journeys' long-lived objects: catalog, engine, triggers and the step scheduler.

Built once per app by `bot.runtime.journey_wiring`. The scheduler runs in every
process: due steps are claimed with row locks (storage.journey_repo), so any
number of processes fire each step once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config.settings import Settings
from journeys.definition import Catalog
from journeys.engine import FIRE_BATCH, JourneyEngine
from journeys.triggers import JourneyTriggers
from storage.database import SessionFactory

SCHEDULER_INTERVAL_S = 5.0


@dataclass
class JourneysRuntime:
    catalog: Catalog
    engine: JourneyEngine
    triggers: JourneyTriggers
    scheduler: JourneyScheduler | None = None


class JourneyScheduler:
    """Fires due steps a batch per transaction; wakes the outbox when it queued sends."""

    def __init__(
        self, engine: JourneyEngine, sessions: SessionFactory, on_queued: Callable[[], None]
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._on_queued = on_queued

    async def run_once(self, limit: int = FIRE_BATCH) -> int:
        async with self._sessions.begin() as session:
            fired = await self._engine.fire_due(session, limit)
        if fired:
            self._on_queued()
        return fired


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
