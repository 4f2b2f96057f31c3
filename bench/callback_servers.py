"""The servers of the callback benchmark and their scratch storage: start, watch, stop, clean."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg  # type: ignore[import-untyped]
import redis.asyncio as redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.workload import AES_KEY, APP_ID, TOKEN

KEYWORDS = Path(__file__).resolve().parent / "callback_keywords.csv"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    pids: list[int] = field(default_factory=list)  # the processes that serve (children if forked)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(name: str, argv: list[str], port: int) -> Server:
    # ERROR: the outbox's tag syncs to the fake API log warnings that would bury the figures.
    env = {**os.environ, "WXBOT_LOG_LEVEL": "ERROR"}
    process = subprocess.Popen([sys.executable, "-m", *argv], env=env)  # noqa: S603 - our own modules
    return Server(name, process, port, [process.pid])


async def wait_until_up(server: Server, path: str, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
            try:
                async with session.get(server.url + path) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{server.name} at {server.url} did not start")


def write_bot_config(directory: Path, port: int, database_url: str, redis_url: str) -> Path:
    config = directory / f"bench-{port}.toml"
    config.write_text(
        f"""
[server]
host = "127.0.0.1"
port = {port}
mount_fake_api = true
[storage]
database_url = "{database_url}"
redis_url = "{redis_url}"
[[wechat]]
name = "main"
app_id = "{APP_ID}"
app_secret = "bench-secret"
token = "{TOKEN}"
encoding_aes_key = "{AES_KEY}"
api_base = "http://127.0.0.1:{port}/_fake"
keywords = "{KEYWORDS}"
""",
        encoding="utf-8",
    )
    return config


def asyncpg_dsn(url: str) -> str:
    """SQLAlchemy's `postgresql+asyncpg://` URL as asyncpg's DSN."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create_scratch_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_scratch_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def clean_redis(redis_url: str) -> int:
    """Delete the keys this benchmark's servers wrote in the (spare) Redis DB."""
    client = redis.Redis.from_url(redis_url)
    deleted = 0
    try:
        for pattern in ("wxbot:*", "bench:*"):
            keys = [key async for key in client.scan_iter(match=pattern, count=1000)]
            for start_at in range(0, len(keys), 1000):
                deleted += await client.delete(*keys[start_at : start_at + 1000])
    finally:
        await client.aclose()
    return deleted


async def redis_pid(redis_url: str) -> list[int]:
    client = redis.Redis.from_url(redis_url)
    try:
        info = await client.info("server")
        return [int(info["process_id"])]
    finally:
        await client.aclose()


async def postgres_pids(dsn: str, database: str) -> tuple[list[int], list[int]]:
    """Backends serving `database`, and the server's WAL writer, checkpointer, bgwriter."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT pid, datname, backend_type FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    backends = [r["pid"] for r in rows if r["datname"] == database]
    shared = {"walwriter", "checkpointer", "background writer"}
    return backends, [r["pid"] for r in rows if r["backend_type"] in shared]


class BacklogProbe:
    """The effects backlog read from the database (`wxbot worker` serves no /healthz)."""

    QUERY = "SELECT count(*) FROM inbound_events WHERE effects_state IN ('pending', 'held')"

    def __init__(self, database_url: str) -> None:
        self._engine = create_async_engine(database_url, pool_size=1)

    async def count(self) -> int:
        async with self._engine.connect() as connection:
            return int((await connection.execute(text(self.QUERY))).scalar_one())

    async def backend_pid(self) -> int:
        """This probe's own PostgreSQL backend, to leave out of the consumer's CPU."""
        async with self._engine.connect() as connection:
            return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    async def close(self) -> None:
        await self._engine.dispose()


async def healthz_backlog(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url + "/healthz") as response:
        return int((await response.json())["effects"]["backlog"])
