"""`wxbot channels …`: ops check, publish, roll back and read the channel table and its codes.

Exit statuses (the project's rule): 0 done; 1 the table given has problems (a check
with errors, a publish refused); 2 the command cannot run (an unknown channel or
version, a missing file, no code to print), one line on stderr.
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

from bot.cli.database import database_line, require_database
from bot.cli.errors import UsageError, positive_int
from bot.config.settings import Settings
from bot.effects.api_clients import official_account_clients
from bot.ops.channel_figures import ChannelFigures, channel_figures
from bot.ops.channel_ops import ChannelOpsError, ChannelStore
from bot.ops.channel_text import check_text, history_text, list_text, show_text
from bot.ops.qr_image import labelled_png
from storage.cache import open_cache
from storage.channels.directory import all_channels, get_channel
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.types import utc_now
from wxapi.errors import ApiError

_WRITING = ("publish", "rollback")


def add_channels_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `wxbot channels` and its subcommands."""
    channels = commands.add_parser("channels", help="channels: QR and contact-me codes, figures")
    sub = channels.add_subparsers(dest="channels_command", required=True)
    sub.add_parser("check", help="validate a channels file").add_argument("file", type=Path)
    publish = sub.add_parser("publish", help="make a channels file live in every running bot")
    publish.add_argument("file", type=Path)
    publish.add_argument("--by", help="who publishes (default: your login)")
    sub.add_parser("history", help="published versions, newest first")
    rollback = sub.add_parser("rollback", help="make an old version live again")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--by")
    sub.add_parser("list", help="the live channels and their codes")
    sub.add_parser("show", help="one channel: codes, rota, welcome").add_argument("name")
    qr = sub.add_parser("qr", help="a channel's QR code as a PNG, its name under it")
    qr.add_argument("name")
    qr.add_argument("-o", "--output", type=Path, required=True, help="the PNG file to write")
    stats = sub.add_parser("stats", help="what each channel brought")
    stats.add_argument("--days", type=positive_int, default=7)
    stats.add_argument("--staff", action="store_true", help="per staff member (WeCom codes)")


def _write(lines: Sequence[str], stream: str = "out") -> None:
    (sys.stdout if stream == "out" else sys.stderr).write("".join(f"{ln}\n" for ln in lines))


def run_channels(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `wxbot channels` subcommand; the exit status."""
    for path in (getattr(args, "file", None),):
        if path is not None and not path.is_file():
            raise UsageError(f"{path} does not exist")
    if args.channels_command not in (*_WRITING, "check"):
        require_database(settings)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(settings, args))
    except ChannelOpsError as error:
        if not error.invalid:
            raise UsageError(f"error: {error.message}") from None
        _write([f"error: {error.message}", *check_text(error.message, 0, error.problems)[:-1]],
               "err")  # fmt: skip
        return 1


@asynccontextmanager
async def _store(settings: Settings) -> AsyncIterator[ChannelStore]:
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    cache = open_cache(settings.storage.redis_url)
    try:
        yield ChannelStore(settings, create_session_factory(engine), cache)
    finally:
        await cache.close()
        await engine.dispose()


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    command: str = args.channels_command
    by = getattr(args, "by", None) or getpass.getuser()
    async with _store(settings) as store:
        if command == "check":
            text = await asyncio.to_thread(args.file.read_text, "utf-8-sig")
            parsed = await store.check(text, args.file.name)
            _write(check_text(str(args.file), len(parsed.table.channels), parsed.problems))
            return 1 if parsed.errors else 0
        if command == "publish":
            text = await asyncio.to_thread(args.file.read_text, "utf-8-sig")
            done = await store.publish(text, args.file.name, by)
        elif command == "rollback":
            done = await store.rollback(args.version, by)
        else:
            return await _read(store, args)
        _write([database_line(settings).rstrip()], "err")  # which database was written
        version = done.version
        _write([f"published channels version {version.number} ({version.item_count} channels,"
                f" by {version.created_by}): {version.summary}",
                *(str(w) for w in done.warnings)])  # fmt: skip
    return 0


async def _read(store: ChannelStore, args: argparse.Namespace) -> int:
    command: str = args.channels_command
    now = utc_now()
    if command == "history":
        _write(history_text(await store.history()))
        return 0
    if command == "stats":
        figures = await channel_figures(store.sessions, now, args.days, by_staff=args.staff)
        _write(stats_text(figures, args.days))
        return 0
    live = await store.live()
    async with store.sessions() as session:
        rows = {row.key: row for row in await all_channels(session)}
    if command == "list":
        _write([f"channels of {live.source}:", *list_text(live.table, rows, now)])
        return 0
    channel = live.table.get(args.name) or live.table.by_name(args.name)
    if channel is None:
        known = ", ".join(c.key for c in live.table.channels) or "none"
        raise UsageError(f"no channel {args.name!r} in {live.source} (known: {known})")
    if command == "show":
        _write(show_text(channel, rows.get(channel.key), now))
        return 0
    return await _qr(store, channel.key, channel.name, args.output)


async def _qr(store: ChannelStore, key: str, name: str, output: Path) -> int:
    async with store.sessions() as session:
        row = await get_channel(session, key)
    if row is None or not row.qr_ticket or not row.qr_account:
        raise UsageError(f"channel {key} has no official-account QR code yet"
                         " (a channel with [channel.qr] gets one when the bot runs)")  # fmt: skip
    async with aiohttp.ClientSession() as http:
        clients = official_account_clients(store.settings, http, store.cache)
        client = clients.get(row.qr_account)
        if client is None:
            raise UsageError(f"account {row.qr_account!r} is no longer configured")
        try:
            code = await client.qrcode_image(row.qr_ticket)
        except ApiError as error:
            raise UsageError(f"WeChat gave no image for {key}'s ticket: {error}") from None
    png, caption = await asyncio.to_thread(labelled_png, code, name, key)
    await asyncio.to_thread(output.write_bytes, png)
    note = "" if caption == name else " (no CJK font installed: the key is printed instead)"
    _write([f"wrote {output}: the QR code of {name} ({key}) with {caption!r} under it{note}"])
    return 0


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _yuan(value: float | None) -> str:
    return "-" if value is None else f"¥{value:,.0f}"


def stats_text(figures: Sequence[ChannelFigures], days: int) -> list[str]:
    """One line per channel (or staff member): counts, net growth, ratios, costs."""
    if not figures:
        return [f"nothing came through a channel in the last {days} days"]
    lines = [f"last {days} days:"]
    for f in figures:
        c = f.counts
        who = f"  {f.staff}" if f.staff else ""
        lines.append(
            f"{f.name} ({f.key}){who}: scans {c['scans']}, follows {c['follows']}"
            f" (+{c['refollows']} re-follows), unfollows {c['unfollows']}, adds {c['adds']},"
            f" deleted {c['deleted_by_staff']}/{c['deleted_by_customer']} (staff/customer),"
            f" net {f.net_growth:+d}, tagged {c['tagged']}, leads {c['leads']},"
            f" claimed {c['claimed']}, won {c['won']}"
        )
        claimed, won = _percent(f.ratio("claimed", "leads")), _percent(f.ratio("won", "leads"))
        lines.append(
            f"    lead rate {_percent(f.ratio('leads', 'follows'))} of follows,"
            f" claimed {claimed}, won {won} of leads;"
            f" cost per lead {_yuan(f.cost_per('leads'))}, per won {_yuan(f.cost_per('won'))}"
        )
    return lines
