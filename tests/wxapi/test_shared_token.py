"""`SharedToken` alone: cache expiry, the refresh lock, waiting for another refresher."""

from __future__ import annotations

import asyncio

import pytest

from fakewechat import FakeClock
from storage.cache import MemoryCache
from wxapi.cache_keys import lock_key
from wxapi.errors import TransportError
from wxapi.tokens import SharedToken

KEY = "test:token"


class CountingFetch:
    """A token server stand-in that numbers its tokens and remembers force flags."""

    def __init__(self, expires_in_s: float = 7200, delay_s: float = 0.0) -> None:
        self.forces: list[bool] = []
        self.expires_in_s = expires_in_s
        self.delay_s = delay_s

    async def __call__(self, force_refresh: bool) -> tuple[str, float]:
        self.forces.append(force_refresh)
        await asyncio.sleep(self.delay_s)
        return f"token-{len(self.forces)}", self.expires_in_s


async def test_cached_token_expires_margin_before_server_expiry() -> None:
    clock = FakeClock()
    fetch = CountingFetch()
    token = SharedToken(MemoryCache(clock=clock), KEY, fetch, margin_s=360)
    assert await token.get() == "token-1"
    clock.advance(7200 - 361)
    assert await token.get() == "token-1"
    clock.advance(1)
    assert await token.get() == "token-2"
    assert fetch.forces == [False, False]


async def test_concurrent_gets_fetch_once() -> None:
    fetch = CountingFetch(delay_s=0.05)
    token = SharedToken(MemoryCache(), KEY, fetch, poll_s=0.01)
    results = await asyncio.gather(*(token.get() for _ in range(10)))
    assert set(results) == {"token-1"}
    assert fetch.forces == [False]


async def test_waits_for_other_refresher_then_reads_its_token() -> None:
    cache = MemoryCache()
    fetch = CountingFetch()
    token = SharedToken(cache, KEY, fetch, poll_s=0.01)
    await cache.set_if_absent(lock_key(KEY), "other-process", ttl_s=10)

    async def other_process_finishes() -> None:
        await asyncio.sleep(0.05)
        await cache.set(KEY, "from-other", ttl_s=100)
        await cache.delete(lock_key(KEY))

    finisher = asyncio.create_task(other_process_finishes())
    assert await token.get() == "from-other"
    await finisher
    assert fetch.forces == []


async def test_gives_up_when_lock_is_held_too_long() -> None:
    cache = MemoryCache()
    token = SharedToken(cache, KEY, CountingFetch(), wait_s=0.1, poll_s=0.01)
    await cache.set_if_absent(lock_key(KEY), "stuck-process", ttl_s=10)
    with pytest.raises(TransportError) as caught:
        await token.get()
    assert caught.value.retryable


async def test_no_force_when_the_rejected_token_is_no_longer_cached() -> None:
    fetch = CountingFetch()
    token = SharedToken(MemoryCache(), KEY, fetch)
    assert await token.refresh("gone") == "token-1"
    assert fetch.forces == [False]
