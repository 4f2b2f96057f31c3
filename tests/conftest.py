"""Shared fixtures: storage backends, the fake WeChat API, the bot app and a WeChat player.

Service backends come from the environment: `WXBOT_TEST_DATABASE_URL` (PostgreSQL)
and `WXBOT_TEST_REDIS_URL` (Redis). When set, every backend-parametrised test
also runs against them and fails if they are unreachable; when unset, those
variants are left out and the run's header says so.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.app import create_app
from bot.config.settings import Settings, load_settings
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.app import create_fake_app
from fakewechat.state import FakeWeChat
from storage.database import (
    SessionFactory,
    create_engine,
    create_session_factory,
    upgrade_schema_blocking,
)
from storage.models import Base
from tests.browser.chromium import browser_suite_header
from tests.faults.servers import missing_tools

POSTGRES_SERVER_URL = os.environ.get("WXBOT_TEST_DATABASE_URL", "")
REDIS_SERVER_URL = os.environ.get("WXBOT_TEST_REDIS_URL", "")
# tests/test_deploy.py runs the shipped nginx config through the system's nginx.
NGINX_INSTALLED = bool(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"))
# CI sets "required": a fault suite whose tool is missing then fails instead of being left out.
FAULT_TOOLS_REQUIRED = os.environ.get("WXBOT_TEST_FAULT_TOOLS", "") == "required"
# Each pytest process gets its own database and Redis DB number, so two runs on one
# machine (CI and a developer, say) never truncate or flush each other's data.
POSTGRES_URL = f"{POSTGRES_SERVER_URL}_{os.getpid()}" if POSTGRES_SERVER_URL else ""
REDIS_URL = (
    f"{REDIS_SERVER_URL.rsplit('/', 1)[0]}/{1 + os.getpid() % 15}" if REDIS_SERVER_URL else ""
)

APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-app-secret"
TOKEN = "test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"

KEYWORDS_CSV = """\
rule,trigger,match,keywords,reply,reply_mode,tags,score,priority
price,text,contains,价格|多少钱,我们的价格表：https://example.com/price,,询价,30,10
drive,text,word,试驾,欢迎预约试驾||顾问稍后联系您||试驾地址：星光路1号,all,试驾意向,60,
menu_price,click,exact,MENU_PRICE,点击查看价格,,菜单:价格,10,
expo,subscribe,exact,spring_expo,欢迎来自春季车展的朋友,,渠道:春季车展,20,
welcome,subscribe,exact,,欢迎关注,,,,
rescan,scan,exact,,欢迎回来,,,,
hello,text,exact,你好,你好呀,,,,
phone,text,regex,1[3-9]\\d{9},已收到您的电话,,留资,50,
fallback,default,contains,,抱歉没听懂，回复 价格 / 试驾 试试,,,,
"""


# The suite runs some 2 400 tests in one process, and what they leave for good
# (SQLAlchemy's reflection caches keep each test's PostgreSQL dialect, and the like)
# grows to ~1.4 million tracked objects. A full collection walked all of them:
# 1.4-1.8 s, at whatever moment, inside whatever test was running; a 0.5 s bound in a
# hostile-input test failed on it. Collected and frozen every few tests, as a serving
# process freezes what its start-up built (`bot.runtime.heap`), full collections walk
# only what the last few tests made.
_TESTS_PER_FREEZE = 10
_finished_tests = itertools.count(1)


def pytest_runtest_logfinish() -> None:
    if next(_finished_tests) % _TESTS_PER_FREEZE == 0:
        gc.collect()
        gc.freeze()


def pytest_report_header() -> list[str]:
    return [*_service_header(), browser_suite_header()]


def _service_header() -> list[str]:
    left_out = [
        f"{name} (set {variable})"
        for name, variable, url in (
            ("postgres", "WXBOT_TEST_DATABASE_URL", POSTGRES_URL),
            ("redis", "WXBOT_TEST_REDIS_URL", REDIS_URL),
        )
        if not url
    ]
    if not NGINX_INSTALLED:
        left_out.append("nginx (install Debian's nginx)")
    lines = (
        ["service suites left out: " + ", ".join(left_out)]
        if left_out
        else ["service suites: postgres, redis and nginx included"]
    )
    missing = missing_tools()
    if missing and not FAULT_TOOLS_REQUIRED:
        lines.append(
            "fault suites left out: " + ", ".join(f"{k} (no {v})" for k, v in missing.items())
        )
    return lines


def _backend_params() -> list[object]:
    """Database and cache pairs: the embedded default, and the configured services.

    The two pairs cover both databases and both caches; the full cross product
    would double the slowest (end-to-end) tests and prove nothing more.
    """
    services = ("postgres" if POSTGRES_URL else "sqlite", "redis" if REDIS_URL else "memory")
    params: list[object] = [pytest.param(("sqlite", "memory"), id="sqlite-memory")]
    if services != ("sqlite", "memory"):
        marks = [
            mark
            for mark, used in ((pytest.mark.postgres, POSTGRES_URL), (pytest.mark.redis, REDIS_URL))
            if used
        ]
        params.append(pytest.param(services, id="-".join(services), marks=marks))
    return params


@pytest.fixture(params=_backend_params())
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    database, cache = request.param
    return str(database), str(cache)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of state shared between processes run only on backends that share it.

    `shared_redis` needs Redis; `shared_services` needs PostgreSQL and Redis. Other
    variants are deselected (not skipped): they would prove nothing.
    """
    needs = {"shared_redis": {"redis"}, "shared_services": {"postgres", "redis"}}
    # Fault suites whose tools are missing are left out too, unless CI requires them.
    absent = set() if FAULT_TOOLS_REQUIRED else set(missing_tools())
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if any(mark.name in absent for mark in item.iter_markers()):
            dropped.append(item)
            continue
        wanted = set().union(
            *(needs[mark.name] for mark in item.iter_markers() if mark.name in needs)
        )
        params = getattr(getattr(item, "callspec", None), "params", {})
        runnable = NGINX_INSTALLED or item.get_closest_marker("nginx") is None
        (kept if runnable and wanted <= set(params.get("backend", ())) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


async def _recreate_database(server_url: str, url: str, *, drop_only: bool = False) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_engine(server_url)
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                await autocommit.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """This process's private PostgreSQL database, migrated; dropped at the end."""
    asyncio.run(_recreate_database(POSTGRES_SERVER_URL, POSTGRES_URL))
    upgrade_schema_blocking(POSTGRES_URL)
    try:
        yield POSTGRES_URL
    finally:
        asyncio.run(_recreate_database(POSTGRES_SERVER_URL, POSTGRES_URL, drop_only=True))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "wxbot.db"
    upgrade_schema_blocking(f"sqlite+aiosqlite:///{path}")
    return path


async def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def postgres_ready(request: pytest.FixtureRequest) -> str:
    """The private database when PostgreSQL is configured ("" otherwise).

    A plain (sync) fixture, so the session fixture behind it runs outside the event loop.
    """
    return str(request.getfixturevalue("postgres_database")) if POSTGRES_URL else ""


@pytest.fixture
async def database_url(
    backend: tuple[str, str], tmp_path: Path, sqlite_template: Path, postgres_ready: str
) -> str:
    """A migrated, empty database: a fresh SQLite file, or the test PostgreSQL truncated."""
    if backend[0] == "sqlite":
        path = tmp_path / "wxbot.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    await _truncate_postgres(postgres_ready)
    return postgres_ready


@pytest.fixture
async def redis_url(backend: tuple[str, str]) -> AsyncIterator[str]:
    """ "" for the in-process cache, or the test Redis, flushed."""
    if backend[1] == "memory":
        yield ""
        return
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    yield REDIS_URL


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(database_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def fake_state() -> FakeWeChat:
    state = FakeWeChat()
    state.add_account(APP_ID, APP_SECRET)
    return state


@pytest.fixture
async def fake_api(
    fake_state: FakeWeChat, aiohttp_server: Callable[[web.Application], Awaitable[TestServer]]
) -> str:
    """The fake WeChat API on loopback; its base URL."""
    server = await aiohttp_server(create_fake_app(fake_state))
    return str(server.make_url("")).rstrip("/")


ConfigWriter = Callable[..., Settings]
ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
def write_config(tmp_path: Path, database_url: str, redis_url: str, fake_api: str) -> ConfigWriter:
    """Writes a config (and keyword table) into tmp_path and loads it as the bot would."""

    def write(
        *,
        keywords: str = KEYWORDS_CSV,
        aes_key: str = AES_KEY,
        previous_aes_key: str = "",
        require_encryption: bool | None = False,
        extra: str = "",
    ) -> Settings:
        """`extra` is more TOML (a feature's sections), with `{fake_api}` filled in.

        Most tests send plaintext callbacks, so `require_encryption` is off unless
        asked for; None leaves the key out (the default for an account with a key).
        """
        encryption = (
            ""
            if require_encryption is None
            else f"require_encryption = {str(require_encryption).lower()}\n"
        )
        (tmp_path / "keywords.csv").write_text(keywords, encoding="utf-8")
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
encoding_aes_key = "{aes_key}"
previous_encoding_aes_key = "{previous_aes_key}"
{encryption}api_base = "{fake_api}"
keywords = "keywords.csv"
"""
            + extra.replace("{fake_api}", fake_api),
            encoding="utf-8",
        )
        return load_settings(config, {})

    return write


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return write_config()


@pytest.fixture
async def bot(
    settings: Settings,
    aiohttp_client: ClientFactory,
) -> TestClient[web.Request, web.Application]:
    """The bot app over real HTTP on loopback, on the parametrised backends."""
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def player() -> WeChatPlayer:
    return WeChatPlayer(TOKEN, APP_ID, AES_KEY)
