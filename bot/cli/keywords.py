"""`wxbot keywords …`: ops check, test, publish, roll back and learn from keyword tables.

Commands that touch the live tables use the config like `serve` does: they write to
the same database and notify running bots through the same cache.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Any

from bot.cli.database import database_line, require_database
from bot.cli.errors import UsageError, existing_file, positive_int, print_problems, run_check
from bot.config.settings import Settings
from bot.ops.keyword_ops import INVALID, KeywordOpsError, KeywordStore, Published
from bot.ops.keyword_reports import misses_report, variants_report
from bot.ops.keyword_text import (
    explanation_text,
    history_text,
    misses_text,
    published_text,
    variants_text,
)
from keywords.explain import explain_signal
from keywords.hours import shanghai
from keywords.matcher import KeywordMatcher, Signal
from keywords.problems import Problem
from keywords.rules import Rule, Trigger
from keywords.segmenter import Segmenter
from keywords.table_csv import XLSX_SUFFIX, format_table, read_table
from keywords.table_xlsx import format_workbook
from storage.cache import open_cache
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.tables.keywords import SHARED_ACCOUNT
from storage.types import utc_now


def add_keywords_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `wxbot keywords` and its subcommands."""
    keywords = commands.add_parser("keywords", help="keyword reply tables")
    sub = keywords.add_subparsers(dest="keywords_command", required=True)
    check = sub.add_parser("check", help="validate a table file (.csv or .xlsx)")
    check.add_argument("file", type=Path)

    test = sub.add_parser("test", help="which rule answers a message, and why")
    _account(test, required=False)
    test.add_argument("--file", type=Path, help="test this table instead of the live one")
    test.add_argument("text", nargs="?", help="a text message from a follower")
    kind = test.add_mutually_exclusive_group()
    kind.add_argument("--click", metavar="KEY", help="a menu click with this EventKey")
    kind.add_argument("--subscribe", nargs="?", const="", metavar="SCENE", help="a follow")
    kind.add_argument("--scan", metavar="SCENE", help="a QR scan by a follower")
    test.add_argument("--at", help="Shanghai time of day HH:MM (default: now)")

    publish = sub.add_parser("publish", help="make a table live in every running bot")
    publish.add_argument("file", type=Path)
    _account(publish, required=True)
    publish.add_argument("--by", default=None, help="who publishes (default: your login)")

    history = sub.add_parser("history", help="published versions, newest first")
    history.add_argument("--account", help="one account, or '*' for the shared table")

    rollback = sub.add_parser("rollback", help="make an old version live again")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--by", default=None)

    export = sub.add_parser("export", help="write the live table as CSV or XLSX")
    _account(export, required=True)
    export.add_argument("--format", choices=("csv", "xlsx"), help="default: by -o, else csv")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    for name, days, what in (("misses", 7, "unanswered messages"), ("variants", 14, "A/B")):
        report = sub.add_parser(name, help=f"{what} of the last days")
        report.add_argument("--days", type=positive_int, default=days)
        report.add_argument("--account")


def _account(parser: argparse.ArgumentParser, *, required: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--account", help="[[wechat]] name")
    group.add_argument(
        "--shared", dest="account", action="store_const", const=SHARED_ACCOUNT,
        help="the table shared by all accounts",
    )  # fmt: skip


def _write(lines: Sequence[str], stream: str = "out") -> None:
    (sys.stdout if stream == "out" else sys.stderr).write("".join(f"{ln}\n" for ln in lines))


def run_keywords(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `wxbot keywords` subcommand; the exit status (see `bot.cli.errors`)."""
    if args.keywords_command == "check":
        return run_check(args.file, _checked, sys.stdout)
    if getattr(args, "file", None) is not None:
        existing_file(args.file)
    exporting = args.keywords_command == "export"
    if exporting and _xlsx(args) and args.output is None and sys.stdout.isatty():
        raise UsageError("XLSX is binary: give -o FILE.xlsx, or redirect stdout to a file")
    if args.keywords_command not in _WRITING:
        require_database(settings)
    # Ops read the answer, not the migration bookkeeping `_store` triggers.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(settings, args))
    except KeywordOpsError as error:
        if error.status != INVALID:  # an unknown account or version, a bad --at
            raise UsageError(error.message) from None
        _write([f"error: {error.message}"], "err")
        return print_problems(error.problems, sys.stderr)


# Commands that write the database say which one; the others need it to exist.
_WRITING = ("publish", "rollback")


def _xlsx(args: argparse.Namespace) -> bool:
    output: Path | None = args.output
    suffix = output.suffix.casefold() if output is not None else ""
    return bool(args.format == "xlsx" or (args.format is None and suffix == XLSX_SUFFIX))


def _checked(path: Path) -> tuple[str, Sequence[Problem]]:
    parsed = read_table(path)
    return f"{len(parsed.rules)} rules", parsed.problems


@asynccontextmanager
async def _store(settings: Settings) -> AsyncIterator[KeywordStore]:
    await upgrade_schema(settings.storage.database_url)  # as `serve` does; a no-op when current
    engine = create_engine(settings.storage.database_url)
    cache = open_cache(settings.storage.redis_url)
    try:
        yield KeywordStore(settings, create_session_factory(engine), cache)
    finally:
        await cache.close()
        await engine.dispose()


async def _segmenter() -> Segmenter:
    segmenter = Segmenter()
    await asyncio.to_thread(segmenter.initialize)
    return segmenter


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    command: str = args.keywords_command
    async with _store(settings) as store:
        if command in _WRITING:
            published = await _publish(store, args)
            # Which database was written (stderr: stdout is the result).
            _write([database_line(settings).rstrip()], "err")
            _write(published_text(published))
        elif command == "test":
            return await _test(store, args)
        elif command == "history":
            _write(history_text(await store.history(args.account)))
        elif command == "export":
            return await _export(store, args)
        elif command == "misses":
            report = await misses_report(
                store, (await _segmenter()).cut, utc_now(), args.days, args.account
            )
            _write(misses_text(report))
        else:
            _write(variants_text(await variants_report(store, utc_now(), args.days, args.account),
                                 args.days))  # fmt: skip
    return 0


async def _publish(store: KeywordStore, args: argparse.Namespace) -> Published:
    """`publish FILE` or `rollback VERSION`, by `--by` or the OS user."""
    by = args.by or getpass.getuser()
    if args.keywords_command == "rollback":
        return await store.rollback(args.version, by)
    store.check_account(args.account)
    parsed = await asyncio.to_thread(read_table, args.file)
    return await store.publish(args.account, parsed, by, args.file.name)


def _signal(args: argparse.Namespace) -> Signal:
    if args.click is not None:
        return Signal(Trigger.CLICK, args.click)
    if args.subscribe is not None:
        return Signal(Trigger.SUBSCRIBE, args.subscribe)
    if args.scan is not None:
        return Signal(Trigger.SCAN, args.scan)
    if args.text is None:
        raise KeywordOpsError(400, "give a message text, --click, --subscribe or --scan")
    return Signal(Trigger.TEXT, args.text)


def _moment(at: str | None) -> datetime:
    if at is None:
        return utc_now()
    try:
        clock = time.fromisoformat(at)
    except ValueError:
        raise KeywordOpsError(400, f"--at {at!r} is not HH:MM") from None
    return datetime.combine(datetime.now(shanghai()).date(), clock, tzinfo=shanghai())


async def _test(store: KeywordStore, args: argparse.Namespace) -> int:
    signal, now = _signal(args), _moment(args.at)
    account = args.account or (store.settings.wechat[0].name if store.settings.wechat else "*")
    own: Sequence[Rule]
    if args.file is not None:
        parsed = await asyncio.to_thread(read_table, args.file)
        if parsed.errors:
            raise KeywordOpsError(422, f"{args.file} has errors", parsed.problems)
        own = parsed.rules
    else:
        own = (await store.live(account)).rules
    shared = (await store.live(SHARED_ACCOUNT)).rules if account != SHARED_ACCOUNT else ()
    segmenter = await _segmenter()
    matcher = await asyncio.to_thread(KeywordMatcher, [*own, *shared], segmenter)
    _write(explanation_text(explain_signal(matcher, signal, now)))
    return 0


async def _export(store: KeywordStore, args: argparse.Namespace) -> int:
    live = await store.live(args.account)
    output: Path | None = args.output
    if _xlsx(args):
        data = await asyncio.to_thread(format_workbook, live.rules)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            await asyncio.to_thread(output.write_bytes, data)
    else:
        text = await asyncio.to_thread(format_table, live.rules)
        if output is None:
            sys.stdout.write(text)
        else:
            # With a BOM, so Excel reads the UTF-8 as UTF-8.
            await asyncio.to_thread(output.write_text, text, "utf-8-sig", None, "")
    if output is not None:
        _write([f"wrote {len(live.rules)} rules of {live.source} to {output}"], "err")
    return 0
