"""`wxbot`: serve the bot, play WeChat against it, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.callbacks.errors import SettingsError
from bot.cli.journeys import add_journeys_parser, run_journeys
from bot.cli.keywords import add_keywords_parser, run_keywords
from bot.cli.simulate import simulate
from bot.cli.users import show_user
from bot.config.logs import setup_logging
from bot.config.settings import Settings, load_settings
from storage.database import upgrade_schema_blocking


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wxbot", description=__doc__)
    parser.add_argument(
        "--config", type=Path, help="TOML config (default: $WXBOT_CONFIG, else the demo config)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="run the bot's HTTP server")

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
    add_journeys_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(os.environ.get("WXBOT_LOG_LEVEL", "INFO"))
    try:
        settings = load_settings(args.config, os.environ)
    except SettingsError as exc:
        sys.stderr.write(f"config error: {exc}\n")
        return 2
    if args.command == "serve":
        return _serve(settings)
    if args.command == "simulate":
        return asyncio.run(simulate(settings, args))
    if args.command in ("keywords", "journeys"):
        run = run_keywords if args.command == "keywords" else run_journeys
        return run(settings, args)
    if args.command == "users":
        return asyncio.run(show_user(settings, args.who, sys.stdout))
    upgrade_schema_blocking(settings.storage.database_url)
    sys.stdout.write("database schema is up to date\n")
    return 0


def _serve(settings: Settings) -> int:
    web.run_app(
        create_app(settings),
        host=settings.server.host,
        port=settings.server.port,
        access_log=None,
    )
    return 0
