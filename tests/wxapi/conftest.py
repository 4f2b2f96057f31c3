"""Fixtures: the fake on loopback, an HTTP session and caches (memory, and Redis when set).

`WXBOT_TEST_REDIS_URL` adds a Redis variant of the cache fixtures; without it
the Redis cases are simply not generated. Each test uses its own random key
prefix and deletes only those keys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from fakewechat import FakeClock, FakeWeChat, create_fake_app
from storage.cache import Cache, MemoryCache
from storage.redis_cache import RedisCache
from tests.fakewechat.world import (
    AGENTID,
    APP_SECRET,
    APPID,
    CORP_SECRET,
    CORPID,
    build_world,
)
from tests.wxapi.factory import OaFactory
from wxapi import (
    OfficialAccountClient,
    OfficialAccountCredentials,
    WeComClient,
    WeComCredentials,
)

REDIS_URL = os.environ.get("WXBOT_TEST_REDIS_URL", "")
CACHE_KINDS = (
    ["memory", pytest.param("redis", marks=pytest.mark.redis)] if REDIS_URL else ["memory"]
)


@pytest.fixture
def key_prefix() -> str:
    return f"wxbot-test:{uuid.uuid4().hex}:"


@pytest.fixture(params=CACHE_KINDS)
async def cache_pair(
    request: pytest.FixtureRequest, key_prefix: str
) -> AsyncIterator[tuple[Cache, Cache]]:
    """Two caches seen by two "processes": one shared dict, or two Redis connections."""
    if request.param == "memory":
        cache = MemoryCache()
        yield cache, cache
        return
    first = RedisCache(redis.Redis.from_url(REDIS_URL))
    second = RedisCache(redis.Redis.from_url(REDIS_URL))
    try:
        yield first, second
    finally:
        cleaner = redis.Redis.from_url(REDIS_URL)
        try:
            async for key in cleaner.scan_iter(match=f"{key_prefix}*"):
                await cleaner.delete(key)
        finally:
            await cleaner.aclose()
            await first.close()
            await second.close()


@pytest.fixture
def cache(cache_pair: tuple[Cache, Cache]) -> Cache:
    return cache_pair[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> FakeWeChat:
    return build_world(clock)


@pytest.fixture
async def server(aiohttp_server: AiohttpServer, state: FakeWeChat) -> TestServer:
    return await aiohttp_server(create_fake_app(state))


@pytest.fixture
def api_base(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession()
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture
def oa_credentials() -> OfficialAccountCredentials:
    return OfficialAccountCredentials(APPID, APP_SECRET)


@pytest.fixture
def make_oa(
    session: aiohttp.ClientSession,
    oa_credentials: OfficialAccountCredentials,
    api_base: str,
    key_prefix: str,
) -> OaFactory:
    """Build an OA client on `cache` (one per simulated process); keywords override."""

    def make(cache: Cache, **overrides: Any) -> OfficialAccountClient:
        options: dict[str, Any] = {"api_base": api_base, "key_prefix": key_prefix}
        return OfficialAccountClient(session, cache, oa_credentials, **(options | overrides))

    return make


@pytest.fixture
def oa(make_oa: OaFactory, cache: Cache) -> OfficialAccountClient:
    return make_oa(cache)


@pytest.fixture
def wecom(
    session: aiohttp.ClientSession, cache: Cache, api_base: str, key_prefix: str
) -> WeComClient:
    credentials = WeComCredentials(CORPID, AGENTID, CORP_SECRET)
    return WeComClient(session, cache, credentials, api_base=api_base, key_prefix=key_prefix)
