"""The app's connections, each opened and closed by one context manager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.cache import Cache, open_cache
from storage.database import (
    SessionFactory,
    create_engine,
    create_session_factory,
    upgrade_schema,
)


@asynccontextmanager
async def database(url: str) -> AsyncIterator[tuple[AsyncEngine, SessionFactory]]:
    """Migrate the schema to the newest version, then hold the engine until closed."""
    await upgrade_schema(url)
    engine = create_engine(url)
    try:
        yield engine, create_session_factory(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def cache(redis_url: str) -> AsyncIterator[Cache]:
    opened = open_cache(redis_url)
    try:
        yield opened
    finally:
        await opened.close()
