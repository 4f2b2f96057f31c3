"""`doctor`'s service checks: the database, its migrations, the cache, the public URL."""

from __future__ import annotations

import secrets
from http import HTTPStatus
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config.settings import Settings, WeChatAccount
from bot.ops.doctor.check import CHECK_TIMEOUT_S, Check, timed
from bot.testing.wechat_player import WeChatPlayer
from storage.cache import open_cache
from storage.database import create_engine, ping_database
from storage.schema_status import schema_heads


async def storage_checks(settings: Settings, *, demo: bool) -> tuple[list[Check], bool]:
    """The database, its migrations and the cache; and whether the database answered."""
    url = settings.storage.database_url
    engine = create_engine(url)
    try:
        database = await _database_check(settings, engine, demo=demo)
        checks = [database]
        if database.ok:
            checks.append(await _migrations(engine))
    finally:
        await engine.dispose()
    checks.append(await _cache_check(settings))
    return checks, database.ok


async def _database_check(settings: Settings, engine: AsyncEngine, *, demo: bool) -> Check:
    name = "database answers"
    # A missing SQLite file would be created by connecting: a doctor changes nothing.
    missing = sqlite_path(engine)
    if missing is not None and not missing.exists():
        starts = "`wxbot serve`" if demo else "`wxbot db upgrade` (or `wxbot serve`)"
        return Check(name, False, f"no database yet at {missing}", f"run {starts}: it creates it")
    where = "[storage] database_url (or WXBOT_DATABASE_URL)"
    return await timed(
        name, _ping(engine), f"start the database or correct {where} in {settings.source}"
    )


def sqlite_path(engine: AsyncEngine) -> Path | None:
    """The file of a SQLite database; None for another kind (or in memory)."""
    database = engine.url.database or ""
    if not engine.url.drivername.startswith("sqlite") or database in ("", ":memory:"):
        return None
    return Path(database)


async def _ping(engine: AsyncEngine) -> str:
    await ping_database(engine)
    return engine.url.render_as_string(hide_password=True)


async def _migrations(engine: AsyncEngine) -> Check:
    fix = "run `wxbot db upgrade` (serve also upgrades on start)"
    try:
        applied, shipped = await schema_heads(engine)
    except Exception as error:  # reported, like every check
        return Check("migrations current", False, str(error), fix)
    if applied == shipped:
        return Check("migrations current", True, ", ".join(sorted(shipped)))
    missing = ", ".join(sorted(shipped - applied)) or "-"
    return Check("migrations current", False, f"not applied: {missing}", fix)


async def _cache_check(settings: Settings) -> Check:
    if not settings.storage.redis_url:
        return Check("cache", True, "in-process (one process only: set redis_url for more)")
    cache = open_cache(settings.storage.redis_url)

    async def ping() -> str:
        await cache.ping()
        return "Redis answers"

    try:
        return await timed(
            "Redis answers",
            ping(),
            f"start Redis or correct [storage] redis_url (or WXBOT_REDIS_URL) in {settings.source}",
        )
    finally:
        await cache.close()


async def url_check(http: aiohttp.ClientSession, public_url: str, account: WeChatAccount) -> Check:
    """WeChat's GET verification through the public URL, as WeChat's servers send it."""
    url = f"{public_url.rstrip('/')}/wechat/{account.name}"
    name = f"public URL {url}"
    echo = secrets.token_hex(8)
    query = WeChatPlayer(account.token.reveal(), account.app_id).url_check(echo)
    try:
        async with http.get(
            url, params=query, timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT_S)
        ) as response:
            body = await response.text()
    except TimeoutError:
        return Check(name, False, f"no answer within {CHECK_TIMEOUT_S:.0f} s")
    except aiohttp.ClientConnectorError as error:
        where = f"{error.host}:{error.port}"
        return Check(
            name,
            False,
            f"cannot connect to {where} ({error.os_error.strerror or error.os_error})",
            f"{error.host} must resolve to this server, with nginx listening on {error.port}",
        )
    except aiohttp.ClientError as error:
        return Check(name, False, f"{type(error).__name__}: {error}")
    if response.status != HTTPStatus.OK or body != echo:
        return Check(
            name,
            False,
            f"HTTP {response.status}, answered {body[:60]!r} instead of the echo",
            "check nginx proxies /wechat/ to wxbot and the account's token matches",
        )
    return Check(name, True, "answers WeChat's GET verification")
