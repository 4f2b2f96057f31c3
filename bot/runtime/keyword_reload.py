"""Keeps a process's keyword tables in step with what ops published.

A publish sends a notice on `PUBLISHED_CHANNEL` (Redis pub/sub reaches every
process; the in-process cache reaches this one); a poll of the live version ids
catches a notice that got lost. Either way the process reads what is live in the
database and, when it differs from what it serves, rebuilds and swaps.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from bot.config.settings import Settings
from bot.runtime.keyword_tables import KeywordTables, build_tables, load_tables
from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S, PUBLISHED_CHANNEL, VERSION_POLL_S
from bot.runtime.periodic import Periodic
from storage.cache import Cache
from storage.database import SessionFactory
from storage.keyword_versions import active_version_ids

log = logging.getLogger(__name__)


class KeywordReloader:
    """Rebuilds `tables` when the live versions change; one refresh at a time."""

    def __init__(
        self,
        settings: Settings,
        sessions: SessionFactory,
        cache: Cache,
        tables: KeywordTables,
        poll_s: float = VERSION_POLL_S,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._cache = cache
        self._tables = tables
        self._poll_s = poll_s
        self._loop = Periodic("keyword-reload", self._round, poll_s)
        self._unsubscribe: Callable[[], Awaitable[None]] | None = None
        self._warned = False

    async def start(self) -> None:
        await self._subscribe()
        self._loop.start()

    async def _subscribe(self) -> None:
        # The bot serves with the cache down (health reports it); polling covers until
        # the subscription can be made.
        try:
            self._unsubscribe = await self._cache.subscribe(PUBLISHED_CHANNEL, self._on_notice)
        except Exception as error:  # any cache failure means "poll only for now"
            level = logging.DEBUG if self._warned else logging.WARNING
            self._warned = True
            log.log(
                level, "keyword notices unavailable (%s); polling every %.0fs", error, self._poll_s
            )

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            await self._unsubscribe()
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _on_notice(self, message: str) -> None:
        # Runs inside the cache's subscription pump: only wake the loop, never raise.
        log.info("keyword table notice: %s", message)
        self._loop.wake()

    async def _round(self) -> bool:
        # A round runs on every notice and every poll; a failure is retried at the next.
        if self._unsubscribe is None:
            await self._subscribe()
        await self.refresh()
        return False

    async def refresh(self) -> bool:
        """Rebuild if the live versions differ from those served; True when it swapped."""
        live = dict(await active_version_ids(self._sessions))
        if live == dict(self._tables.versions):
            return False
        matchers, versions = await build_tables(
            self._settings, self._sessions, self._tables.segmenter
        )
        self._tables.swap(matchers, versions)
        log.info("keyword tables reloaded: versions %s", versions)
        return True


@asynccontextmanager
async def live_keyword_tables(
    settings: Settings, sessions: SessionFactory, cache: Cache
) -> AsyncIterator[KeywordTables]:
    """The live tables, loaded before callbacks are served and kept current until closed."""
    tables = await load_tables(settings, sessions)
    reloader = KeywordReloader(settings, sessions, cache, tables)
    await reloader.start()
    try:
        yield tables
    finally:
        await reloader.stop()
