"""The cache backend: Redis when configured, an in-process dict otherwise.

Everything that must hold across bot processes (deduplication, access
tokens, locks, rate counters, table-change notices) goes through this one
interface, so the embedded default and a Redis deployment run the same code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

Listener = Callable[[str], Awaitable[None]]

# Claims sent in one pipeline at most; a burst beyond it takes several round trips.
CLAIM_BATCH = 256
# Wait between attempts to restore a subscription while Redis is unreachable.
RESUBSCRIBE_S = 0.5

log = logging.getLogger(__name__)


class Cache(Protocol):
    """Key-value operations with expiry, shared by all processes of one deployment."""

    async def set_if_absent(self, key: str, value: str, ttl_s: float) -> bool:
        """Store `value` unless `key` exists; True when this call stored it."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_s: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def delete_if_equals(self, key: str, value: str) -> bool:
        """Delete `key` only while it still holds `value` (safe lock release)."""

    async def incr(self, key: str, ttl_s: float) -> int:
        """Increment a counter; the expiry is set when the counter is created."""

    async def publish(self, channel: str, message: str) -> None: ...

    async def subscribe(self, channel: str, listener: Listener) -> Callable[[], Awaitable[None]]:
        """Call `listener` for each message on `channel`; returns an unsubscribe coroutine."""

    async def ping(self) -> None:
        """Raise when the backend does not answer."""

    async def close(self) -> None: ...


class MemoryCache:
    """In-process cache for a single bot instance (the embedded default)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[str, float | None]] = {}
        self._listeners: dict[str, list[Listener]] = {}

    def _live(self, key: str) -> str | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires_at = item
        if expires_at is not None and expires_at <= self._clock():
            del self._values[key]
            return None
        return value

    def _expiry(self, ttl_s: float | None) -> float | None:
        return None if ttl_s is None else self._clock() + ttl_s

    async def set_if_absent(self, key: str, value: str, ttl_s: float) -> bool:
        if self._live(key) is not None:
            return False
        self._values[key] = (value, self._expiry(ttl_s))
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        self._values[key] = (value, self._expiry(ttl_s))

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def delete_if_equals(self, key: str, value: str) -> bool:
        if self._live(key) != value:
            return False
        del self._values[key]
        return True

    async def incr(self, key: str, ttl_s: float) -> int:
        current = self._live(key)
        if current is None:
            self._values[key] = ("1", self._expiry(ttl_s))
            return 1
        count = int(current) + 1
        self._values[key] = (str(count), self._values[key][1])
        return count

    async def publish(self, channel: str, message: str) -> None:
        for listener in list(self._listeners.get(channel, [])):
            await listener(message)

    async def subscribe(self, channel: str, listener: Listener) -> Callable[[], Awaitable[None]]:
        self._listeners.setdefault(channel, []).append(listener)

        async def unsubscribe() -> None:
            self._listeners[channel].remove(listener)

        return unsubscribe

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._values.clear()
        self._listeners.clear()


def open_cache(redis_url: str) -> Cache:
    """The Redis cache for a non-empty URL, the in-process cache otherwise."""
    if not redis_url:
        return MemoryCache()
    # Imported here: the embedded default runs without the `redis` extra installed.
    from storage.redis_cache import open_redis_cache  # noqa: PLC0415

    return open_redis_cache(redis_url)


@asynccontextmanager
async def hold_lock(cache: Cache, key: str, owner: str, ttl_s: float) -> AsyncIterator[bool]:
    """Try once to take `key`; yields whether this caller holds it, releases on exit."""
    held = await cache.set_if_absent(key, owner, ttl_s)
    try:
        yield held
    finally:
        if held:
            await cache.delete_if_equals(key, owner)
