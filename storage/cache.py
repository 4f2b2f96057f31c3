"""The cache backend: Redis when configured, an in-process dict otherwise.

Everything that must hold across bot processes (deduplication, access
tokens, locks, rate counters, table-change notices) goes through this one
interface, so the embedded default and a Redis deployment run the same code.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

import redis.asyncio as redis

from storage.batching import Batcher

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


# Compare-and-delete must be atomic, or a lock that expired and was taken by
# another process could be released by its previous holder.
_DELETE_IF_EQUALS = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisCache:
    """Cache shared by every bot process through one Redis server."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._delete_if_equals = client.register_script(_DELETE_IF_EQUALS)
        self._subscriptions: list[asyncio.Task[None]] = []
        # Every callback claims its dedup key here. redis-py spends ~75 µs of CPU on a
        # command sent alone and ~20 µs on one in a pipeline, so concurrent claims
        # share one pipelined round trip (`bench/callback.py` shows the difference).
        self._claims = Batcher[tuple[str, str, int], bool](
            "redis-claims", self._claim_all, CLAIM_BATCH
        )

    async def set_if_absent(self, key: str, value: str, ttl_s: float) -> bool:
        return await self._claims.submit((key, value, _milliseconds(ttl_s)))

    async def _claim_all(self, claims: Sequence[tuple[str, str, int]]) -> list[bool]:
        async with self._client.pipeline(transaction=False) as pipe:
            for key, value, px in claims:
                _ = pipe.set(key, value, nx=True, px=px)
            return [bool(stored) for stored in await pipe.execute()]

    async def get(self, key: str) -> str | None:
        value = await self._client.get(key)
        return None if value is None else _text(value)

    async def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        px = None if ttl_s is None else _milliseconds(ttl_s)
        await self._client.set(key, value, px=px)

    async def delete(self, key: str) -> None:
        await self._client.delete(key)

    async def delete_if_equals(self, key: str, value: str) -> bool:
        deleted = await self._delete_if_equals(keys=[key], args=[value])
        return bool(deleted)

    async def incr(self, key: str, ttl_s: float) -> int:
        async with self._client.pipeline(transaction=True) as pipe:
            # Queued commands return the pipeline itself; only execute() is awaited.
            _ = pipe.incr(key)
            _ = pipe.pexpire(key, _milliseconds(ttl_s), nx=True)
            count, _expiry_set = await pipe.execute()
        return int(count)

    async def publish(self, channel: str, message: str) -> None:
        await self._client.publish(channel, message)

    async def subscribe(self, channel: str, listener: Listener) -> Callable[[], Awaitable[None]]:
        pubsub = self._client.pubsub()
        await pubsub.subscribe(channel)

        async def pump() -> None:
            # A Redis restart must not end the subscription for the life of the process:
            # redis-py reconnects and subscribes again on the next read after an error.
            while True:
                try:
                    async for item in pubsub.listen():
                        if item.get("type") == "message":
                            await listener(_text(item["data"]))
                except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                    log.warning("subscription %s lost (%s); reconnecting", channel, exc)
                    await asyncio.sleep(RESUBSCRIBE_S)

        task = asyncio.create_task(pump(), name=f"redis-subscription:{channel}")
        self._subscriptions.append(task)

        async def unsubscribe() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py

        return unsubscribe

    async def ping(self) -> None:
        await self._client.ping()

    async def close(self) -> None:
        await self._claims.drain()
        for task in self._subscriptions:
            task.cancel()
        await asyncio.gather(*self._subscriptions, return_exceptions=True)
        await self._client.aclose()


def _milliseconds(ttl_s: float) -> int:
    return max(1, int(ttl_s * 1000))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def open_cache(redis_url: str) -> Cache:
    """The Redis cache for a non-empty URL, the in-process cache otherwise."""
    if not redis_url:
        return MemoryCache()
    return RedisCache(redis.Redis.from_url(redis_url))


@asynccontextmanager
async def hold_lock(cache: Cache, key: str, owner: str, ttl_s: float) -> AsyncIterator[bool]:
    """Try once to take `key`; yields whether this caller holds it, releases on exit."""
    held = await cache.set_if_absent(key, owner, ttl_s)
    try:
        yield held
    finally:
        if held:
            await cache.delete_if_equals(key, owner)
