"""The tagging engine's place in a running bot: rules loaded at start, expired tags swept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.runtime.limits import (
    BACKGROUND_STOP_TIMEOUT_S,
    EXPIRY_SWEEP_BATCH,
    EXPIRY_SWEEP_INTERVAL_S,
)
from bot.runtime.periodic import Periodic
from storage.database import SessionFactory
from tagging.rules import RuleSet
from tagging.rules_file import load_rules
from tagging.step import Tagging, TagsAdded

log = logging.getLogger(__name__)


async def load_tagging(
    path: Path | None,
    clock: Callable[[], datetime],
    *,
    on_tags_added: TagsAdded | None = None,
) -> Tagging:
    """The `[tagging] rules` file (read in a thread: file I/O), or no rules."""
    rules = await asyncio.to_thread(load_rules, path) if path is not None else RuleSet()
    return Tagging(rules, clock, on_tags_added=on_tags_added)


async def sweep_expired_tags(sessions: SessionFactory, tagging: Tagging) -> int:
    """Expire every due tag, a batch per transaction; how many expired."""
    total = 0
    while True:
        async with sessions.begin() as session:
            count = await tagging.sweep_expired(session, EXPIRY_SWEEP_BATCH)
        total += count
        if count < EXPIRY_SWEEP_BATCH:
            return total


class TagExpirySweeper:
    """Every process sweeps now and then; DELETE … RETURNING keeps them from doubling up."""

    def __init__(
        self, sessions: SessionFactory, tagging: Tagging, on_queued: Callable[[], None]
    ) -> None:
        self._sessions = sessions
        self._tagging = tagging
        self._on_queued = on_queued
        self._loop = Periodic("tag-expiry", self._round, EXPIRY_SWEEP_INTERVAL_S)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _round(self) -> bool:
        if await sweep_expired_tags(self._sessions, self._tagging):
            self._on_queued()
        return False
