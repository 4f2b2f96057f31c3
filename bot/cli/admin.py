"""`wxbot admin add-user|passwd|remove`: accounts of the admin site.

Passwords are read from the terminal (or stdin when piped), never from argv, where
they would land in shell history and `ps`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, TextIO

from bot.admin.passwords import MIN_PASSWORD_CHARS, hash_password
from bot.admin.roles import Role
from bot.config.settings import Settings
from storage.admin_users import AdminUsers
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.types import utc_now

CLI_ACTOR = "cli"


def add_admin_parser(commands: argparse._SubParsersAction[Any]) -> None:
    admin = commands.add_parser("admin", help="admin site accounts")
    actions = admin.add_subparsers(dest="admin_command", required=True)
    add = actions.add_parser("add-user", help="create an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=[role.value for role in Role], required=True)
    passwd = actions.add_parser("passwd", help="set a new password (also lifts a lock-out)")
    passwd.add_argument("name")
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")


def _read_password(stdin: TextIO) -> str:
    if stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\n")


async def run_admin(
    settings: Settings, args: argparse.Namespace, stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:  # fmt: skip
    """0 on success, 1 when the account does not exist (or already does), 2 on bad input."""
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    try:
        users = AdminUsers(create_session_factory(engine))
        name: str = args.name
        if args.admin_command == "remove":
            done = await users.remove(name, CLI_ACTOR, utc_now())
            out.write(f"removed {name}\n" if done else f"no admin user {name!r}\n")
            return 0 if done else 1
        try:
            password = _read_password(stdin)
        except ValueError as error:
            out.write(f"{error}\n")
            return 2
        if len(password) < MIN_PASSWORD_CHARS:
            out.write(f"the password needs at least {MIN_PASSWORD_CHARS} characters\n")
            return 2
        hashed = await hash_password(password)
        if args.admin_command == "add-user":
            done = await users.add(name, args.role, hashed, CLI_ACTOR, utc_now())
            out.write(f"added {name} ({args.role})\n" if done else f"{name!r} exists already\n")
            return 0 if done else 1
        done = await users.set_password(name, hashed, CLI_ACTOR, utc_now())
        out.write(f"new password for {name}\n" if done else f"no admin user {name!r}\n")
        return 0 if done else 1
    finally:
        await engine.dispose()
