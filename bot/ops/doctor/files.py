"""`doctor`'s file checks: the keyword tables and the channel table as they serve now,
tagging rules, journeys.

Once a keyword or channel table is published, the bot runs the live version, not the
file the config names: the check reports that version and its size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.config.settings import Settings
from bot.ops.doctor.check import CHECK_TIMEOUT_S, Check
from bot.runtime.channels import LiveTable as ChannelsLive
from bot.runtime.channels import load_configured, load_live
from bot.runtime.keyword_tables import LiveTable, configured_file, live_table
from filecheck.problems import ProblemsError
from journeys.journeys_file import load_journeys
from keywords.table_csv import read_table
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.tables.keywords import SHARED_ACCOUNT
from tagging.rules_file import load_rules

T = TypeVar("T")


async def file_checks(settings: Settings, *, database_ok: bool) -> list[Check]:
    """One check per keyword table (each account's, the shared one), rules and journeys."""
    accounts = [account.name for account in settings.wechat]
    if settings.keywords.shared is not None:
        accounts.append(SHARED_ACCOUNT)
    checks = [await _keywords(settings, account, database_ok=database_ok) for account in accounts]
    if settings.tagging.rules is not None:
        checks.append(await _loads("tagging rules", settings.tagging.rules, load_rules, "tagging"))
    if settings.journeys.file is not None:
        journeys = settings.journeys.file
        checks.append(await _loads("journeys", journeys, load_journeys, "journeys"))
    if settings.channels.file is not None:
        checks.append(await _channels(settings, database_ok=database_ok))
    return checks


async def _keywords(settings: Settings, account: str, *, database_ok: bool) -> Check:
    name = f"keywords of {'the shared table' if account == SHARED_ACCOUNT else account}"
    live = await _live(settings, account) if database_ok else None
    if live is not None and live.version is not None:
        return Check(name, True, f"version {live.version} is live: {len(live.rules)} rules")
    path = configured_file(settings, account)
    if path is None or not path.is_file():
        return Check(name, False, f"{path} does not exist", "correct keywords = in the config")
    parsed = await asyncio.to_thread(read_table, path)
    if parsed.errors:
        return Check(
            name,
            False,
            f"{path}: {len(parsed.errors)} errors, first: {parsed.errors[0]}",
            f"`wxbot keywords check {path}` lists them all",
        )
    return Check(name, True, f"{path} (nothing published yet): {len(parsed.rules)} rules")


async def _live(settings: Settings, account: str) -> LiveTable | None:
    """What `account` serves now; None when the database cannot tell (its check said why)."""
    try:
        return await _with_database(settings, lambda s: live_table(settings, s, account))
    except Exception:  # the database check (or the table's own check below) says why
        return None


async def _with_database(settings: Settings, read: Callable[[SessionFactory], Awaitable[T]]) -> T:
    engine = create_engine(settings.storage.database_url)
    try:
        return await asyncio.wait_for(read(create_session_factory(engine)), CHECK_TIMEOUT_S)
    finally:
        await engine.dispose()


async def _channels(settings: Settings, *, database_ok: bool) -> Check:
    """The live channel version once one is published, else the configured file."""
    name = f"channels {settings.channels.file}"
    try:
        live = await _channel_table(settings, database_ok=database_ok)
    except ProblemsError as error:
        return Check(
            name,
            False,
            f"{error.source}: {len(error.errors)} errors, first: {error.errors[0]}",
            f"`wxbot channels check {settings.channels.file}` lists them all",
        )
    where = f"version {live.version} is live" if live.version else "nothing published yet"
    return Check(name, True, f"{where}: {len(live.table.channels)} channels")


async def _channel_table(settings: Settings, *, database_ok: bool) -> ChannelsLive:
    if database_ok:
        try:
            return await _with_database(settings, lambda s: load_live(settings, s))
        except ProblemsError:
            raise
        except Exception:  # noqa: S110 (an old schema: the migrations check says why)
            pass
    return await load_configured(settings)


async def _loads(what: str, path: Path, load: Callable[[Path], object], group: str) -> Check:
    """`load(path)` succeeds, or its problems' first and `wxbot GROUP check` for the rest."""
    name = f"{what} {path}"
    try:
        await asyncio.to_thread(load, path)
    except ProblemsError as error:
        count = len(error.errors)
        return Check(
            name,
            False,
            f"{count} errors, first: {error.errors[0]}",
            f"`wxbot {group} check {path}` lists them all",
        )
    return Check(name, True, "loads")
