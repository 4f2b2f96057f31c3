"""The app's connections, each opened and closed by one cleanup context."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.app_keys import CACHE, ENGINE, HTTP, METRICS, SESSIONS, SETTINGS
from bot.runtime.api_tracing import token_refresh_tracer
from storage.cache import open_cache
from storage.database import create_engine, create_session_factory, upgrade_schema


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Migrate the schema to the newest version, then hold the engine for the app's life."""
    url = app[SETTINGS].storage.database_url
    await upgrade_schema(url)
    engine = create_engine(url)
    app[ENGINE] = engine
    app[SESSIONS] = create_session_factory(engine)
    try:
        yield
    finally:
        await engine.dispose()


async def cache_ctx(app: web.Application) -> AsyncIterator[None]:
    cache = open_cache(app[SETTINGS].storage.redis_url)
    app[CACHE] = cache
    try:
        yield
    finally:
        await cache.close()


async def http_ctx(app: web.Application) -> AsyncIterator[None]:
    """One client session for every outgoing API call."""
    async with aiohttp.ClientSession(trace_configs=[token_refresh_tracer(app[METRICS])]) as session:
        app[HTTP] = session
        yield
