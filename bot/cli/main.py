"""`wxbot`: serve the bot, play WeChat against it, manage the database.

A mistake the user can fix (a missing file, a config typo, a busy port, a bot that
is not running) is one line on stderr with exit status 2; see `bot.cli.errors`.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.cli.database import database_line
from bot.cli.doctor import run_doctor
from bot.cli.errors import USAGE_EXIT, CliParser, UsageError, user_mistake
from bot.cli.keywords import add_keywords_parser, run_keywords
from bot.cli.outbox import add_outbox_parser, run_outbox
from bot.cli.simulate import add_simulate_parser, simulate
from bot.cli.users import show_user
from bot.config.logs import setup_logging
from bot.config.settings import Settings, load_settings
from storage.database import upgrade_schema_blocking


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = CliParser(prog="wxbot", description=__doc__)
    parser.add_argument(
        "--config", type=Path, help="TOML config (default: $WXBOT_CONFIG, else the demo config)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="run the bot's HTTP server")
    add_simulate_parser(commands)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations")

    users = commands.add_parser("users", help="user profiles")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    show = users_commands.add_parser(
        "show", help="a profile: lead, identities, tags with source and time, last messages"
    )
    show.add_argument("who", metavar="OPENID|PHONE|ID", help="an openid, a phone number or #id")
    add_keywords_parser(commands)
    add_outbox_parser(commands)
    doctor = commands.add_parser("doctor", help="check a production config before traffic")
    doctor.add_argument(
        "--public-url", help="the bot's public base URL: check WeChat's GET verification"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        setup_logging(os.environ.get("WXBOT_LOG_LEVEL", "INFO"))
        settings = load_settings(args.config, os.environ)
        return _run(settings, args)
    except BrokenPipeError:
        # `wxbot outbox | head`: the reader left; Python would print a traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        message = user_mistake(error)
        if message is None:
            raise
        sys.stderr.write(f"{message}\n")
        return USAGE_EXIT


def _run(settings: Settings, args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[], int]] = {
        "serve": lambda: _serve(settings),
        "simulate": lambda: asyncio.run(simulate(settings, args)),
        "keywords": lambda: run_keywords(settings, args),
        "users": lambda: asyncio.run(show_user(settings, args.who, sys.stdout)),
        "outbox": lambda: asyncio.run(run_outbox(settings, args, sys.stdout)),
        "doctor": lambda: asyncio.run(run_doctor(settings, args.public_url, sys.stdout)),
        "db": lambda: _upgrade(settings),
    }
    return commands[args.command]()


def _upgrade(settings: Settings) -> int:
    sys.stderr.write(database_line(settings))
    upgrade_schema_blocking(settings.storage.database_url)
    sys.stdout.write("database schema is up to date\n")
    return 0


def _serve(settings: Settings) -> int:
    sys.stdout.write(database_line(settings))  # beside aiohttp's "Running on" banner
    try:
        web.run_app(
            create_app(settings),
            host=settings.server.host,
            port=settings.server.port,
            access_log=None,
        )
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise UsageError(
            f"port {settings.server.port} is in use: is another wxbot running?"
            f" set [server] port in {settings.source}"
        ) from None
    return 0
