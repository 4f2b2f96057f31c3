"""Keeps one kind of ops table (keywords, channels, menus) in step with what ops published.

A publish sends a notice on the kind's channel (`notice_channel`: Redis pub/sub
reaches every process, the in-process cache this one); a poll of the live version
numbers catches a notice that got lost. Either way the process reads what is live
in the database and, when it differs from what it serves, rebuilds and swaps
(the kind's `refresh`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S, TABLE_NOTICE_CHANNEL, VERSION_POLL_S
from bot.runtime.periodic import Periodic
from storage.cache import Cache

log = logging.getLogger(__name__)

# Rebuild when the live versions differ from those served; True when it swapped.
Refresh = Callable[[], Awaitable[bool]]


def notice_channel(kind: str) -> str:
    """The pub/sub channel every process of the bot listens on for `kind`'s publishes."""
    return TABLE_NOTICE_CHANNEL.format(kind=kind)


async def announce(cache: Cache, kind: str, notice: dict[str, object]) -> None:
    """Tell every process (this one included) to reload; the poll covers a lost notice."""
    await cache.publish(notice_channel(kind), json.dumps(notice, ensure_ascii=False))


class TableReloader:
    """Calls `refresh` on every notice of `kind` and every poll; one refresh at a time."""

    def __init__(
        self, kind: str, cache: Cache, refresh: Refresh, poll_s: float = VERSION_POLL_S
    ) -> None:
        self.kind = kind
        self._cache = cache
        self._refresh = refresh
        self._poll_s = poll_s
        self._loop = Periodic(f"{kind}-reload", self._round, poll_s)
        self._unsubscribe: Callable[[], Awaitable[None]] | None = None
        self._warned = False

    async def start(self) -> None:
        await self._subscribe()
        self._loop.start()

    async def _subscribe(self) -> None:
        # The bot serves with the cache down (health reports it); polling covers until
        # the subscription can be made.
        try:
            self._unsubscribe = await self._cache.subscribe(
                notice_channel(self.kind), self._on_notice
            )
        except Exception as error:  # any cache failure means "poll only for now"
            level = logging.DEBUG if self._warned else logging.WARNING
            self._warned = True
            log.log(
                level,
                "%s notices unavailable (%s); polling every %.0fs",
                self.kind,
                error,
                self._poll_s,
            )

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            await self._unsubscribe()
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _on_notice(self, message: str) -> None:
        # Runs inside the cache's subscription pump: only wake the loop, never raise.
        log.info("%s table notice: %s", self.kind, message)
        self._loop.wake()

    async def _round(self) -> bool:
        # A round runs on every notice and every poll; a failure is retried at the next.
        if self._unsubscribe is None:
            await self._subscribe()
        await self._refresh()
        return False
