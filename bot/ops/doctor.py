"""`wxbot doctor`: the checks a production config must pass before traffic arrives.

Each check says what it looked at and, when it fails, the fix. None of them
changes anything: no migration is applied, no database file is created.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config.settings import Settings, WeChatAccount
from bot.effects.api_clients import official_account_clients, wecom_clients
from bot.testing.wechat_player import WeChatPlayer
from keywords.table_csv import read_table
from storage.cache import MemoryCache, open_cache
from storage.database import create_engine, create_session_factory, ping_database
from storage.schema_status import schema_heads
from storage.tables.keywords import active_version_ids
from tagging.rules_file import RulesError, load_rules

CHECK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    """One finding: `fix` says what to do when `ok` is False."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


async def _timed(name: str, probe: Awaitable[str], fix: str) -> Check:
    """Run `probe` (its result is the detail) under the timeout; any failure is a ✗."""
    try:
        return Check(name, True, await asyncio.wait_for(probe, CHECK_TIMEOUT_S))
    except TimeoutError:
        return Check(name, False, f"no answer within {CHECK_TIMEOUT_S:.0f} s", fix)
    except Exception as error:  # a doctor reports every failure instead of crashing on it
        return Check(name, False, f"{type(error).__name__}: {error}".strip(": "), fix)


async def run_checks(settings: Settings, public_url: str | None) -> list[Check]:
    """Every check, in the order a deployment needs them to pass."""
    checks = await _storage_checks(settings)
    async with aiohttp.ClientSession() as http:
        checks.extend(await _token_checks(settings, http))
        # Only a database that answered is asked for published tables (a missing
        # SQLite file would be created by asking).
        checks.extend(await _file_checks(settings, database_ok=checks[0].ok))
        if public_url:
            checks.extend(
                [await _url_check(http, public_url, account) for account in settings.wechat]
            )
    return checks


async def _storage_checks(settings: Settings) -> list[Check]:
    url = settings.storage.database_url
    where = "[storage] database_url (or WXBOT_DATABASE_URL)"
    engine = create_engine(url)
    try:
        database = await _timed(
            "database answers",
            _ping(engine, url),
            f"start the database or correct {where} in {settings.source}",
        )
        checks = [database]
        if database.ok:
            checks.append(await _migrations(engine))
    finally:
        await engine.dispose()
    checks.append(await _cache_check(settings))
    return checks


async def _ping(engine: AsyncEngine, url: str) -> str:
    # A missing SQLite file would be created by connecting: a doctor changes nothing.
    if url.startswith("sqlite"):
        database = engine.url.database or ""
        if database and not Path(database).exists():
            raise FileNotFoundError(f"{database} does not exist")
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
        return await _timed(
            "Redis answers",
            ping(),
            f"start Redis or correct [storage] redis_url (or WXBOT_REDIS_URL) in {settings.source}",
        )
    finally:
        await cache.close()


async def _token_checks(settings: Settings, http: aiohttp.ClientSession) -> list[Check]:
    # A fresh in-process cache: the check must fetch, not reuse a cached token.
    cache = MemoryCache()
    probes: list[tuple[str, Callable[[], Awaitable[str]], str]] = []
    for name, client in official_account_clients(settings, http, cache).items():
        account = settings.account(name)
        base = account.api_base if account else "?"
        probes.append(
            (
                f"[[wechat]] {name}: access token from {base}",
                client.token.get,
                "check app_id / app_secret and add this server's IP to the account's whitelist",
            )
        )
    for name, wecom in wecom_clients(settings, http, cache).items():
        app = settings.wecom_app(name)
        base = app.api_base if app else "?"
        probes.append(
            (
                f"[[wecom]] {name}: access token from {base}",
                wecom.token.get,
                "check corp_id / secret of the app and its trusted IPs",
            )
        )
    checks = []
    for label, fetch, fix in probes:

        async def fetched(fetch: Callable[[], Awaitable[str]] = fetch) -> str:
            await fetch()
            return "token fetched"

        checks.append(await _timed(label, fetched(), fix))
    return checks


async def _file_checks(settings: Settings, *, database_ok: bool) -> list[Check]:
    live = await _published(settings) if database_ok else {}
    checks = []
    tables = [(account.name, account.keywords) for account in settings.wechat]
    if settings.keywords.shared is not None:
        tables.append(("*", settings.keywords.shared))
    for account, path in tables:
        checks.append(await _table_check(account, path, live.get(account)))
    if settings.tagging.rules is not None:
        checks.append(await _rules_check(settings.tagging.rules))
    return checks


async def _published(settings: Settings) -> dict[str, int]:
    """Live keyword versions; empty when the database cannot tell (its check failed)."""
    engine = create_engine(settings.storage.database_url)
    try:
        return dict(
            await asyncio.wait_for(
                active_version_ids(create_session_factory(engine)), CHECK_TIMEOUT_S
            )
        )
    except Exception:  # the database check already reports why
        return {}
    finally:
        await engine.dispose()


async def _table_check(account: str, path: Path, version: int | None) -> Check:
    name = f"keyword table {path}"
    if not path.is_file():
        if version is not None:
            return Check(name, True, f"file missing; version {version} is live for {account}")
        return Check(name, False, "does not exist", "correct keywords = in the config")
    parsed = await asyncio.to_thread(read_table, path)
    if parsed.errors:
        return Check(
            name,
            False,
            f"{len(parsed.errors)} errors, first: {parsed.errors[0]}",
            f"`wxbot keywords check {path}` lists them all",
        )
    return Check(name, True, f"{len(parsed.rules)} rules")


async def _rules_check(path: Path) -> Check:
    try:
        await asyncio.to_thread(load_rules, path)
    except RulesError as error:
        return Check(f"tagging rules {path}", False, str(error), "correct the file at that line")
    return Check(f"tagging rules {path}", True, "loaded")


async def _url_check(http: aiohttp.ClientSession, public_url: str, account: WeChatAccount) -> Check:
    url = f"{public_url.rstrip('/')}/wechat/{account.name}"
    echo = secrets.token_hex(8)
    query = WeChatPlayer(account.token.reveal(), account.app_id).url_check(echo)

    async def verify() -> str:
        async with http.get(url, params=query) as response:
            body = await response.text()
        if response.status != 200 or body != echo:  # noqa: PLR2004 - HTTP OK
            raise ValueError(f"HTTP {response.status}, answered {body[:60]!r} instead of the echo")
        return "answers WeChat's GET verification"

    return await _timed(
        f"public URL {url}",
        verify(),
        "check nginx proxies /wechat/ to wxbot and the account's token matches",
    )
