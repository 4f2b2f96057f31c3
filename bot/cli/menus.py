"""`wxbot menus …`: ops check, publish, roll back, pull, show and try the account's menu.

Exit statuses as everywhere: 0 done; 1 the menu has problems (a check with errors,
a publish refused by the checks or by WeChat); 2 the command cannot run (unknown
account, version or follower, a missing file, WeChat unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from bot.cli.database import database_line, require_database, sqlite_file
from bot.cli.errors import UsageError
from bot.config.settings import Settings
from bot.effects.api_clients import official_account_clients
from bot.ops.menu_ops import (
    INVALID,
    REFUSED,
    MenuOpsError,
    MenuStore,
    PublishedMenu,
    check_menu,
    configured_account,
)
from bot.ops.menu_rules import rules_behind
from bot.ops.menu_text import check_text, history_text, menus_text, published_text, trial_text
from filecheck.problems import problem_lines
from menus.menu_file import ParsedMenus, read_menu_file
from menus.menu_format import format_menu_file
from storage.cache import open_cache
from storage.database import create_engine, create_session_factory, upgrade_schema

# Commands that write the database say which one; the others need it to exist.
_WRITING = ("publish", "rollback")


def add_menus_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `wxbot menus` and its subcommands."""
    menus = commands.add_parser("menus", help="the official account's custom menu")
    sub = menus.add_subparsers(dest="menus_command", required=True)
    check = sub.add_parser("check", help="WeChat's limits and the rules behind each button")
    check.add_argument("file", type=Path)
    publish = sub.add_parser("publish", help="make a menu file live at WeChat and record it")
    publish.add_argument("file", type=Path)
    publish.add_argument("--by", help="who publishes (default: your login)")
    history = sub.add_parser("history", help="published menu versions, newest first")
    rollback = sub.add_parser("rollback", help="make an old version live again (a new version)")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--by", help="who rolls back (default: your login)")
    pull = sub.add_parser("pull", help="the menu WeChat shows now, as a menu file")
    pull.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    show = sub.add_parser("show", help="the live version, with the rule behind each button")
    trial = sub.add_parser("try", help="which menu a follower sees (WeChat's menu/trymatch)")
    trial.add_argument("openid", help="the follower's openid (or WeChat ID)")
    for command in (check, publish, history, pull, show, trial):
        command.add_argument("--account", help="[[wechat]] name (default: the first)")


def _write(lines: Sequence[str], stream: str = "out") -> None:
    (sys.stdout if stream == "out" else sys.stderr).write("".join(f"{ln}\n" for ln in lines))


def run_menus(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `wxbot menus` subcommand; the exit status."""
    command: str = args.menus_command
    path: Path | None = getattr(args, "file", None)
    if path is not None and not path.is_file():
        raise UsageError(f"{path} does not exist")
    if command not in (*_WRITING, "check", "pull"):
        require_database(settings)
    # Ops read the answer, not the migration bookkeeping `_store` triggers, nor the
    # client's notes on tokens and refusals (a refusal is the error printed below).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("wxapi").setLevel(logging.ERROR)
    try:
        if command == "check":
            return asyncio.run(_check(settings, args))
        return asyncio.run(_run(settings, args))
    except MenuOpsError as error:
        _write([f"error: {error.message}", *problem_lines(error.problems)], "err")
        return 1 if error.status in (INVALID, REFUSED) else 2


async def _check(settings: Settings, args: argparse.Namespace) -> int:
    account = configured_account(settings, args.account)
    parsed = await asyncio.to_thread(read_menu_file, args.file)
    path = sqlite_file(settings.storage.database_url)
    if path is not None and not path.exists():  # no bot ran yet: the configured tables stand
        problems = await check_menu(settings, None, account, parsed)
    else:
        async with _store(settings, migrate=False) as store:
            problems = await store.check(account, parsed)
    _write(check_text(str(args.file), parsed.menus, problems))
    return 1 if parsed.errors else 0


@asynccontextmanager
async def _store(settings: Settings, *, migrate: bool = True) -> AsyncIterator[MenuStore]:
    if migrate:
        await upgrade_schema(settings.storage.database_url)  # as `serve` does
    engine = create_engine(settings.storage.database_url)
    cache = open_cache(settings.storage.redis_url)
    try:
        async with aiohttp.ClientSession() as http:
            clients = official_account_clients(settings, http, cache)
            yield MenuStore(settings, create_session_factory(engine), cache, clients)
    finally:
        await cache.close()
        await engine.dispose()


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    command: str = args.menus_command
    by = getattr(args, "by", None) or getpass.getuser()
    async with _store(settings, migrate=command in _WRITING) as store:
        if command == "publish":
            account = store.account(args.account)
            parsed: ParsedMenus = await asyncio.to_thread(read_menu_file, args.file)
            _written(settings, await store.publish(account, parsed, by, args.file.name))
        elif command == "rollback":
            _written(settings, await store.rollback(args.version, by))
        elif command == "history":
            scope = store.account(args.account) if args.account else None
            _write(history_text(await store.history(scope)))
        elif command == "pull":
            await _pull(store, args)
        elif command == "show":
            await _show(store, args)
        else:
            account = store.account(args.account)
            _write(trial_text(account, await store.try_follower(account, args.openid)))
    return 0


def _written(settings: Settings, published: PublishedMenu) -> None:
    # Which database was written, once it was (stderr: stdout is the result).
    _write([database_line(settings).rstrip()], "err")
    _write(published_text(published))


async def _pull(store: MenuStore, args: argparse.Namespace) -> None:
    account = store.account(args.account)
    pulled = await store.pull(account)
    text = format_menu_file(pulled.menus, [f"pulled from {account}", *pulled.notes])
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(output.write_text, text, "utf-8")
        _write([f"wrote {account}'s menu to {output}"], "err")
    _write([f"note: {note}" for note in pulled.notes], "err")


async def _show(store: MenuStore, args: argparse.Namespace) -> None:
    account = store.account(args.account)
    live = await store.live(account)
    if live is None:
        _write([f"no menu of {account} published through wxbot yet (`wxbot menus pull` reads it)"])
        return
    behind = await rules_behind(store.settings, store.sessions, account)
    version = live.version
    _write([f"menu version {version.number} of {account}, by {version.created_by}: "
            f"{version.summary}", *menus_text(live.menus, behind.fires)])  # fmt: skip
