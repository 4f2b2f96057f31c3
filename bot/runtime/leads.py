"""The leads feature's long-lived objects, built once per app by `bot.runtime.lead_wiring`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from leads.intake import LeadIntake
from leads.limits import SWEEP_LOCK_KEY, SWEEP_LOCK_TTL_S
from leads.sales_actions import SalesActions
from leads.timers import LeadTimers, SweepCounts
from storage.cache import Cache, hold_lock
from storage.database import SessionFactory

log = logging.getLogger(__name__)


class LeadSweeper:
    """Runs the lead timers; one process at a time (a cache lock), idempotent anyway."""

    def __init__(
        self,
        timers: LeadTimers,
        sessions: SessionFactory,
        cache: Cache,
        on_queued: Callable[[], None],
    ) -> None:
        self._timers = timers
        self._sessions = sessions
        self._cache = cache
        self._on_queued = on_queued
        self._owner = uuid.uuid4().hex

    async def run_once(self) -> SweepCounts | None:
        """One sweep; None when another process holds the sweep lock."""
        async with hold_lock(self._cache, SWEEP_LOCK_KEY, self._owner, SWEEP_LOCK_TTL_S) as held:
            if not held:
                return None
            async with self._sessions.begin() as session:
                counts = await self._timers.sweep(session)
        if counts != SweepCounts():
            log.info("lead sweep: %s", counts)
            self._on_queued()
        return counts


@dataclass
class LeadsRuntime:
    """What the WeCom route, the evaluation step and the sweeper share."""

    intake: LeadIntake
    desk: SalesActions
    timers: LeadTimers
    sweeper: LeadSweeper | None = None
