"""Access tokens shared by every bot process through the cache.

WeChat allows a limited number of token fetches a day and a new token can
invalidate the old one, so one process at a time refreshes (a cache lock);
the others wait briefly and read what it stored.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from storage.cache import Cache, hold_lock
from wxapi import cache_keys, limits
from wxapi.errors import ApiError, TransportError

T = TypeVar("T")
# Fetch a token from the server: force_refresh → (token, expires_in seconds).
Fetch = Callable[[bool], Awaitable[tuple[str, float]]]

logger = logging.getLogger(__name__)


class SharedToken:
    """One access token (one appid, or one corp + agent) cached under `key`."""

    def __init__(
        self,
        cache: Cache,
        key: str,
        fetch: Fetch,
        *,
        margin_s: float = limits.TOKEN_EXPIRY_MARGIN_S,
        lock_ttl_s: float = limits.TOKEN_LOCK_TTL_S,
        wait_s: float = limits.TOKEN_WAIT_S,
        poll_s: float = limits.TOKEN_POLL_INTERVAL_S,
    ) -> None:
        self._cache = cache
        self._key = key
        self._fetch = fetch
        self._margin_s = margin_s
        self._lock_ttl_s = lock_ttl_s
        self._wait_s = wait_s
        self._poll_s = poll_s

    async def get(self) -> str:
        """The cached token, fetched first when there is none."""
        token = await self._cache.get(self._key)
        return token if token is not None else await self.refresh(None)

    async def refresh(self, rejected: str | None) -> str:
        """A token other than `rejected`: another process's fresh one, or a new fetch."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_s
        while True:
            async with hold_lock(
                self._cache, cache_keys.lock_key(self._key), uuid.uuid4().hex, self._lock_ttl_s
            ) as held:
                if held:
                    return await self._refresh_holding_lock(rejected)
            cached = await self._cache.get(self._key)
            if cached is not None and cached != rejected:
                return cached
            if loop.time() >= deadline:
                raise TransportError("token-refresh", "timed out waiting for another refresher")
            await asyncio.sleep(self._poll_s)

    async def _refresh_holding_lock(self, rejected: str | None) -> str:
        cached = await self._cache.get(self._key)
        if cached is not None and cached != rejected:
            return cached
        # Normal mode would hand back the very token the server just refused.
        token, expires_in_s = await self._fetch(cached is not None and cached == rejected)
        await self._cache.set(self._key, token, ttl_s=max(1.0, expires_in_s - self._margin_s))
        logger.info("access token refreshed: key=%s", self._key)
        return token

    async def call(self, attempt: Callable[[str], Awaitable[T]]) -> T:
        """Run `attempt(token)`; on a token errcode refresh once and retry once."""
        token = await self.get()
        try:
            return await attempt(token)
        except ApiError as exc:
            if not exc.token_rejected:
                raise
        return await attempt(await self.refresh(token))
