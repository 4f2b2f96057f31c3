"""The cache contract, identical on the in-process cache and on Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from storage.cache import Cache, MemoryCache, hold_lock, open_cache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[Cache]:
    cache = open_cache(redis_url)
    try:
        yield cache
    finally:
        await cache.close()


async def test_set_if_absent_is_first_writer_wins(cache: Cache) -> None:
    assert await cache.set_if_absent("k", "a", ttl_s=10)
    assert not await cache.set_if_absent("k", "b", ttl_s=10)
    assert await cache.get("k") == "a"


async def test_concurrent_set_if_absent_has_one_winner(cache: Cache) -> None:
    results = await asyncio.gather(*(cache.set_if_absent("race", str(i), 10) for i in range(20)))
    assert results.count(True) == 1


async def test_delete_if_equals_only_releases_its_own_value(cache: Cache) -> None:
    await cache.set("lock", "me")
    assert not await cache.delete_if_equals("lock", "you")
    assert await cache.delete_if_equals("lock", "me")
    assert await cache.get("lock") is None


async def test_incr_counts_from_one(cache: Cache) -> None:
    assert [await cache.incr("n", ttl_s=10) for _ in range(3)] == [1, 2, 3]


async def test_hold_lock_excludes_a_second_holder(cache: Cache) -> None:
    async with (
        hold_lock(cache, "job", "a", ttl_s=10) as first,
        hold_lock(cache, "job", "b", ttl_s=10) as second,
    ):
        assert (first, second) == (True, False)
    async with hold_lock(cache, "job", "b", ttl_s=10) as again:
        assert again


async def test_publish_reaches_subscribers(cache: Cache) -> None:
    received: list[str] = []
    got = asyncio.Event()

    async def listener(message: str) -> None:
        received.append(message)
        got.set()

    unsubscribe = await cache.subscribe("chan", listener)
    await asyncio.sleep(0.05)
    await cache.publish("chan", "hello")
    await asyncio.wait_for(got.wait(), 5)
    await unsubscribe()
    assert received == ["hello"]


async def test_memory_cache_expires_values() -> None:
    clock = Clock()
    cache = MemoryCache(clock)
    await cache.set_if_absent("k", "v", ttl_s=5)
    await cache.incr("n", ttl_s=5)
    clock.now = 5.0
    assert await cache.get("k") is None
    assert await cache.set_if_absent("k", "w", ttl_s=5)
    assert await cache.incr("n", ttl_s=5) == 1
