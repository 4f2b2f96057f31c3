"""The tagging engine's place in the app: rules loaded at start, expired tags swept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot.app_keys import JOURNEYS, OUTBOX_WORKER, SESSIONS, SETTINGS, TAGGING
from bot.callbacks.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.effects.tagging_limits import EXPIRY_SWEEP_BATCH, EXPIRY_SWEEP_INTERVAL_S
from bot.runtime.periodic import Periodic
from storage.database import SessionFactory
from tagging.rules import RuleSet
from tagging.rules_file import load_rules
from tagging.step import Tagging

log = logging.getLogger(__name__)


def tagging_ctx(clock: Callable[[], datetime]) -> Callable[[web.Application], AsyncIterator[None]]:
    """Load `[tagging] rules` (in a thread: file I/O) before the outbox worker needs them."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        path = app[SETTINGS].tagging.rules
        rules = await asyncio.to_thread(load_rules, path) if path is not None else RuleSet()
        journeys = app.get(JOURNEYS)
        app[TAGGING] = Tagging(
            rules, clock, on_tags_added=journeys.triggers.on_tags_added if journeys else None
        )
        yield

    return ctx


async def sweep_expired_tags(sessions: SessionFactory, tagging: Tagging) -> int:
    """Expire every due tag, a batch per transaction; how many expired."""
    total = 0
    while True:
        async with sessions.begin() as session:
            count = await tagging.sweep_expired(session, EXPIRY_SWEEP_BATCH)
        total += count
        if count < EXPIRY_SWEEP_BATCH:
            return total


def tag_expiry_ctx(run: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    """Every process sweeps now and then; DELETE … RETURNING keeps them from doubling up."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        async def sweep() -> bool:
            if await sweep_expired_tags(app[SESSIONS], app[TAGGING]):
                app[OUTBOX_WORKER].wake()
            return False

        sweeper = Periodic("tag-expiry", sweep, EXPIRY_SWEEP_INTERVAL_S)
        if run:
            sweeper.start()
        try:
            yield
        finally:
            await sweeper.stop(BACKGROUND_STOP_TIMEOUT_S)

    return ctx
