"""Fixtures of the fault suites: private servers, a config on them, and a load generator.

The private servers need `redis-server` and PostgreSQL's `initdb`/`pg_ctl`. When a
tool is missing the tests that need it are left out (deselected and named in the
run's header, see tests/conftest.py), unless `WXBOT_TEST_FAULT_TOOLS=required`
(CI sets it), where a missing tool is an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.config.settings import Settings, load_settings
from storage.database import upgrade_schema_blocking
from tests.conftest import APP_ID, APP_SECRET, KEYWORDS_CSV, TOKEN
from tests.faults.servers import (
    PrivatePostgres,
    PrivateRedis,
    postgres_bin_dir,
    redis_server_binary,
)

FaultConfig = Callable[[str, str], Settings]


@pytest.fixture
def fault_config(tmp_path: Path, fake_api: str) -> FaultConfig:
    """A config on the given database and cache URLs, the fake API and the test keywords."""

    def write(database_url: str, redis_url: str) -> Settings:
        (tmp_path / "keywords.csv").write_text(KEYWORDS_CSV, encoding="utf-8")
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[storage]
database_url = "{database_url}"
redis_url = "{redis_url}"

[[wechat]]
name = "main"
app_id = "{APP_ID}"
app_secret = "{APP_SECRET}"
token = "{TOKEN}"
require_encryption = false
api_base = "{fake_api}"
keywords = "keywords.csv"
""",
            encoding="utf-8",
        )
        return load_settings(config, {})

    return write


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    binary = redis_server_binary()
    if binary is None:
        raise RuntimeError("redis-server is not installed (install it, e.g. apt redis-server)")
    server = PrivateRedis(binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throwaway cluster, migrated, on a spare port; destroyed after the test."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's initdb/pg_ctl are not installed")
    server = PrivatePostgres(bin_dir)
    try:
        server.init()
        upgrade_schema_blocking(server.url)
        yield server
    finally:
        server.destroy()


@pytest.fixture
async def background() -> AsyncIterator[Callable[[asyncio.Task[None]], None]]:
    """Tasks started by a test, cancelled and awaited when it ends."""
    tasks: list[asyncio.Task[None]] = []
    try:
        yield tasks.append
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
