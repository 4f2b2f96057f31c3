"""`wxbot`: serve the bot, play WeChat against it, manage the database.

Exit status: 0 done; 1 the input you gave has problems (all of them are listed);
2 the command is wrong or cannot run (one line on stderr). See `bot.cli.errors`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.cli.admin import add_admin_parser, run_admin
from bot.cli.channels import add_channels_parser, run_channels
from bot.cli.database import database_line
from bot.cli.doctor import add_doctor_parser, run_doctor
from bot.cli.errors import CliParser, ExitStatus, UsageError, positive_int, user_mistake
from bot.cli.events import run_events
from bot.cli.fake_api import add_fake_api_parser, run_fake_api
from bot.cli.journeys import add_journeys_parser, run_journeys
from bot.cli.keywords import add_keywords_parser, run_keywords
from bot.cli.menus import add_menus_parser, run_menus
from bot.cli.outbox import add_outbox_parser, run_outbox
from bot.cli.simulate import add_simulate_parser, simulate
from bot.cli.tagging import add_tagging_parser, run_tagging
from bot.cli.team import add_team_parser, run_team
from bot.cli.users import show_user
from bot.config.logs import setup_logging
from bot.config.settings import Settings, load_settings
from storage.database import upgrade_schema_blocking

CONFIG_HELP = "TOML config (default: $WXBOT_CONFIG, else the demo config)"


class CommandParser(CliParser):
    """A subcommand's parser: it takes `--config` too (`wxbot serve --config FILE`).

    Its default is left unset, so `wxbot --config FILE serve` keeps working;
    nested subcommands get the same class (argparse passes `type(self)` on).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=CONFIG_HELP)


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = CliParser(prog="wxbot", description=__doc__)
    parser.add_argument("--config", type=Path, help=CONFIG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)

    serve = commands.add_parser("serve", help="run the bot's HTTP server and background work")
    _workers(serve, "serving processes on one port (SO_REUSEPORT; needs Redis above 1)")
    serve.add_argument(
        "--stage-process",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="apply effects in a process of their own, at a lower CPU priority (the default"
        " with Redis; without Redis the stage always runs in the serving process)",
    )
    worker = commands.add_parser("worker", help="run effects consumers and the outbox, no HTTP")
    _workers(worker, "worker processes")
    events = commands.add_parser("events", help="events the effects stage set aside")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    events_commands.add_parser("failed", help="events whose effects kept failing, with the error")
    retry = events_commands.add_parser("retry", help="apply a failed event again")
    retry.add_argument("id", type=int, help="the event id (from `wxbot events failed`)")
    retry.add_argument("--wecom", action="store_true", help="a WeCom event, not an account's")
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
    add_channels_parser(commands)
    add_outbox_parser(commands)
    add_doctor_parser(commands)
    add_admin_parser(commands)
    add_journeys_parser(commands)
    add_menus_parser(commands)
    add_tagging_parser(commands)
    add_fake_api_parser(commands)
    add_team_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        setup_logging(os.environ.get("WXBOT_LOG_LEVEL", "INFO"))
        settings = load_settings(args.config, os.environ)
        return _run(settings, args)
    except BrokenPipeError:
        # `wxbot outbox | head`: the reader left, having read what it wanted; Python
        # would print a traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.DONE
    except Exception as error:
        message = user_mistake(error)
        if message is None:
            raise
        sys.stderr.write(f"{message}\n")
        return ExitStatus.USAGE


def _run(settings: Settings, args: argparse.Namespace) -> int:
    commands: dict[str, Callable[[], int]] = {
        "serve": lambda: _processes(settings, args),
        "worker": lambda: _processes(settings, args),
        "events": lambda: asyncio.run(run_events(settings, args, sys.stdout)),
        "simulate": lambda: asyncio.run(simulate(settings, args)),
        "keywords": lambda: run_keywords(settings, args),
        "menus": lambda: run_menus(settings, args),
        "channels": lambda: run_channels(settings, args),
        "team": lambda: run_team(settings, args),
        "journeys": lambda: run_journeys(settings, args),
        "users": lambda: asyncio.run(show_user(settings, args.who, sys.stdout)),
        "outbox": lambda: asyncio.run(run_outbox(settings, args, sys.stdout)),
        "admin": lambda: asyncio.run(run_admin(settings, args)),
        "doctor": lambda: asyncio.run(run_doctor(settings, args, sys.stdout)),
        "tagging": lambda: run_tagging(args, sys.stdout),
        "fake-api": lambda: run_fake_api(settings, args),
        "db": lambda: _upgrade(settings),
    }
    return int(commands[args.command]())


def _upgrade(settings: Settings) -> int:
    sys.stderr.write(database_line(settings))
    upgrade_schema_blocking(settings.storage.database_url)
    sys.stdout.write("database schema is up to date\n")
    return 0


def _processes(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers > 1 and not settings.storage.redis_url:
        raise UsageError(
            f"--workers {args.workers} needs [storage] redis_url in {settings.source}:"
            " the in-process cache is one process's own"
        )
    # Only these two need the app (and its imports); every other command starts faster.
    from bot.cli import processes  # noqa: PLC0415

    if args.command == "worker":
        return processes.work(settings, args.workers)
    sys.stdout.write(database_line(settings))
    return processes.serve(settings, args.workers, stage_process=args.stage_process)


def _workers(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--workers", type=positive_int, default=1, metavar="N", help=what)
