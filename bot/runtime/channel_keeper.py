"""The channel code keeper: `channel.codes` queued when a rota's shift starts or ends, at
midnight for capped rotas, when an auto-accept window opens or closes, and when a
temporary QR code is due for renewal, in every process, once per change.

It sleeps until the next such moment (`channels.code_schedule.next_due`), not a coarse
poll, and is woken when a new channel table goes live. Each change is queued under
a key naming the channel and the moment (`DueCodes.dedup_key`), so however many
processes keep time, the outbox runs one job per change; a process started after a
change (the bot was down) queues it then, and the staff are brought up to date.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime

from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S, CHANNEL_KEEPER_MAX_SLEEP_S
from bot.runtime.periodic import Periodic
from channels.code_schedule import due_codes, next_due
from channels.jobs import CHANNEL_CODES, EnsureCodes
from channels.model import ChannelTable
from storage.channels.directory import qr_expiries
from storage.database import SessionFactory
from storage.outbox import add_jobs_once

log = logging.getLogger(__name__)

# Woken a little after the moment itself, so that the moment is behind "now".
_AFTER_S = 0.5


class ChannelCodeKeeper:
    """Keeps each channel's codes in step with the clock (see the module docstring)."""

    def __init__(
        self,
        sessions: SessionFactory,
        table: Callable[[], ChannelTable],
        *,
        clock: Callable[[], datetime],
        on_queued: Callable[[], None],
        max_sleep_s: float = CHANNEL_KEEPER_MAX_SLEEP_S,
    ) -> None:
        self._sessions = sessions
        self._table = table
        self._clock = clock
        self._on_queued = on_queued
        self._next: datetime | None = None
        self._loop = Periodic("channel-keeper", self.run_once, max_sleep_s, next_wait=self._sleep_s)

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        """Look again now (a new table went live: other channels, other rotas)."""
        self._loop.wake()

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def run_once(self) -> bool:
        """Queue what is due now; remember when the next thing falls due."""
        table, now = self._table(), self._clock()
        async with self._sessions.begin() as session:
            expiries = await qr_expiries(session)
            due = due_codes(table, expiries, now)
            jobs = [
                CHANNEL_CODES.request("channels", EnsureCodes(d.key), dedup_key=d.dedup_key)
                for d in due
            ]
            queued = await add_jobs_once(session, jobs, now)
        self._next = next_due(table, expiries, now)
        if queued:
            log.info("channel codes: %d channel(s) due for their rota or QR renewal", queued)
            self._on_queued()
        return False

    def _sleep_s(self) -> float:
        if self._next is None:
            return math.inf  # nothing scheduled: the loop's safety-net interval
        return (self._next - self._clock()).total_seconds() + _AFTER_S
