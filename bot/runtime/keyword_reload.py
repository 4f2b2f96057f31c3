"""Keeps a process's keyword tables in step with what ops published.

The mechanism (notice + poll, one refresh at a time) is every ops table's
(`bot.runtime.table_reload`); what is keyword-specific is the rebuild: every
account's matcher, swapped whole.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config.settings import Settings
from bot.runtime.keyword_tables import KeywordTables, build_tables, load_tables
from bot.runtime.limits import VERSION_POLL_S
from bot.runtime.table_reload import TableReloader
from storage.cache import Cache
from storage.database import SessionFactory
from storage.tables.keywords import KIND, active_version_ids

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
        self._tables = tables
        self._reloader = TableReloader(KIND, cache, self.refresh, poll_s)

    async def start(self) -> None:
        await self._reloader.start()

    async def stop(self) -> None:
        await self._reloader.stop()

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
