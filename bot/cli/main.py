"""`wxbot`: serve the bot, play WeChat against it, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.cli import processes
from bot.cli.events import run_events
from bot.cli.keywords import add_keywords_parser, run_keywords
from bot.cli.simulate import simulate
from bot.cli.users import show_user
from bot.config.logs import setup_logging
from bot.config.settings import Settings, load_settings
from bot.errors import SettingsError
from storage.database import upgrade_schema_blocking

CONFIG_HELP = "TOML config (default: $WXBOT_CONFIG, else the demo config)"


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: it takes `--config` too (`wxbot serve --config FILE`).

    Its default is left unset, so `wxbot --config FILE serve` keeps working;
    nested subcommands get the same class (argparse passes `type(self)` on).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=CONFIG_HELP)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wxbot", description=__doc__)
    parser.add_argument("--config", type=Path, help=CONFIG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)

    serve = commands.add_parser("serve", help="run the bot's HTTP server and background work")
    _workers(serve, "serving processes on one port (SO_REUSEPORT; needs Redis above 1)")
    worker = commands.add_parser("worker", help="run effects consumers and the outbox without HTTP")
    _workers(worker, "worker processes")

    events = commands.add_parser("events", help="events the effects stage set aside")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    events_commands.add_parser("failed", help="events whose effects kept failing, with the error")
    retry = events_commands.add_parser("retry", help="apply a failed event again")
    retry.add_argument("id", type=int, help="the event id (from `wxbot events failed`)")
    retry.add_argument("--wecom", action="store_true", help="a WeCom event, not an account's")

    sim = commands.add_parser("simulate", help="send a callback to a running bot as WeChat does")
    sim.add_argument("text", nargs="?", help="a text message from the follower")
    kind = sim.add_mutually_exclusive_group()
    kind.add_argument("--click", metavar="KEY", help="a menu click with this EventKey")
    kind.add_argument(
        "--subscribe", nargs="?", const="", metavar="SCENE", help="a follow, optionally by QR scene"
    )
    kind.add_argument("--scan", metavar="SCENE", help="an already-following user scans a QR code")
    sim.add_argument("--aes", action="store_true", help="safe mode: encrypt the callback")
    sim.add_argument("--account", help="[[wechat]] name (default: the first)")
    sim.add_argument("--openid", default="o_simulated_follower", help="the follower's openid")
    sim.add_argument("--url", help="the bot's base URL (default: from [server])")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations")

    users = commands.add_parser("users", help="user profiles")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    show = users_commands.add_parser(
        "show", help="a profile: identities, tags with source and time, points, last messages"
    )
    show.add_argument("who", metavar="OPENID|PHONE|ID", help="an openid, a phone number or #id")
    add_keywords_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(os.environ.get("WXBOT_LOG_LEVEL", "INFO"))
    try:
        settings = load_settings(args.config, os.environ)
    except SettingsError as exc:
        sys.stderr.write(f"config error: {exc}\n")
        return 2
    return COMMANDS[args.command](settings, args)


def _processes(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers > 1 and not settings.storage.redis_url:
        sys.stderr.write(
            f"--workers {args.workers} needs [storage] redis_url: "
            "the in-process cache is one process's own\n"
        )
        return 2
    run = processes.serve if args.command == "serve" else processes.work
    return run(settings, args.workers)


def _upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade_schema_blocking(settings.storage.database_url)
    sys.stdout.write("database schema is up to date\n")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": _processes,
    "worker": _processes,
    "simulate": lambda settings, args: asyncio.run(simulate(settings, args)),
    "keywords": run_keywords,
    "users": lambda settings, args: asyncio.run(show_user(settings, args.who, sys.stdout)),
    "events": lambda settings, args: asyncio.run(run_events(settings, args, sys.stdout)),
    "db": _upgrade,
}


def _workers(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--workers", type=_positive, default=1, metavar="N", help=what)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
