"""Pooled connections made stale by a PostgreSQL restart cost no request (pool pre-ping)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.database import create_engine
from tests.faults.servers import PrivatePostgres

pytestmark = [pytest.mark.private_postgres, pytest.mark.timeout(120)]
POOL = 10


async def test_every_stale_pooled_connection_is_replaced_at_checkout(
    private_postgres: PrivatePostgres,
) -> None:
    engine = create_engine(private_postgres.url)

    async def query() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_sleep(0.05)"))

    try:
        await asyncio.gather(*(query() for _ in range(POOL)))  # POOL connections pooled
        # Restarted without yielding to the event loop: the pool cannot have seen the
        # connections close, as with a peer that vanished or a FIN that came late.
        private_postgres.stop_immediately()
        private_postgres.start()
        results = await asyncio.gather(*(query() for _ in range(POOL)), return_exceptions=True)
    finally:
        await engine.dispose()
    assert [r for r in results if isinstance(r, BaseException)] == []
