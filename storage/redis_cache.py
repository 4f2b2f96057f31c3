"""The Redis cache backend: state shared by every bot process through one server.

Only imported when `[storage] redis_url` is set, so the embedded default runs
without the `redis` extra (`pip install 'wxbot[redis]'`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import redis.asyncio as redis

from storage.batching import Batcher
from storage.cache import CLAIM_BATCH, RESUBSCRIBE_S, Listener

log = logging.getLogger(__name__)

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
            # redis-py annotates PubSub.aclose from 8.2 on: the ignore is needed before that
            # and unused after, which `unused-ignore` allows (mypy's idiom for such lines).
            await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]

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


def open_redis_cache(redis_url: str) -> RedisCache:
    return RedisCache(redis.Redis.from_url(redis_url))
