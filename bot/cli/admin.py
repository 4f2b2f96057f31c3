"""`wxbot admin list|add-user|passwd|remove`: accounts of the admin site.

Passwords are read from the terminal (or stdin when piped), never from argv, where
they would land in shell history and `ps`. Every change is audited with who made
it (`--by NAME`, else the OS user).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, TextIO

from bot.admin.roles import Role
from bot.cli.database import require_database
from bot.cli.errors import ExitStatus, UsageError
from bot.config.settings import Settings
from bot.ops.times import format_time
from storage.admin_users import AdminAccount, AdminUsers
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.types import utc_now


def add_admin_parser(commands: argparse._SubParsersAction[Any]) -> None:
    admin = commands.add_parser("admin", help="admin site accounts")
    actions = admin.add_subparsers(dest="admin_command", required=True)
    actions.add_parser("list", help="every account: role, and whether it is locked out")
    add = actions.add_parser("add-user", help="create an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=[role.value for role in Role], required=True)
    passwd = actions.add_parser("passwd", help="set a new password (also lifts a lock-out)")
    passwd.add_argument("name")
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    for changing in (add, passwd, remove):
        changing.add_argument("--by", help="who makes the change, for the audit (default: you)")


def _read_password(stdin: TextIO) -> str | None:
    """The new password; None when the two typed differ."""
    if stdin.isatty():
        first = getpass.getpass("password: ")
        return first if getpass.getpass("again: ") == first else None
    return stdin.readline().rstrip("\n")


async def run_admin(
    settings: Settings, args: argparse.Namespace, stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:  # fmt: skip
    """The exit status (see `bot.cli.errors`): an unknown or taken name is a `UsageError`,
    a password that will not do is PROBLEMS."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    if args.admin_command == "list":
        require_database(settings)
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    try:
        users = AdminUsers(create_session_factory(engine))
        if args.admin_command == "list":
            out.writelines(_listing(await users.all()))
            return ExitStatus.DONE
        return await _change(users, args, stdin, out)
    finally:
        await engine.dispose()


async def _change(
    users: AdminUsers, args: argparse.Namespace, stdin: TextIO, out: TextIO
) -> ExitStatus:
    name: str = args.name
    by = getattr(args, "by", None) or getpass.getuser()
    exists = await users.get(name) is not None
    if args.admin_command == "add-user" and exists:
        raise UsageError(f"admin user {name!r} exists already")
    if args.admin_command != "add-user" and not exists:
        raise UsageError(f"no admin user {name!r} (`wxbot admin list` shows them)")
    if args.admin_command == "remove":
        await users.remove(name, by, utc_now())
        out.write(f"removed {name}\n")
        return ExitStatus.DONE
    # Its module hashes a dummy password when imported: only commands that hash pay that.
    from bot.admin.passwords import MIN_PASSWORD_CHARS, hash_password  # noqa: PLC0415

    password = _read_password(stdin)
    if password is None:
        sys.stderr.write("the two passwords differ\n")
        return ExitStatus.PROBLEMS
    if len(password) < MIN_PASSWORD_CHARS:
        sys.stderr.write(f"the password needs at least {MIN_PASSWORD_CHARS} characters\n")
        return ExitStatus.PROBLEMS
    hashed = await hash_password(password)
    if args.admin_command == "add-user":
        if not await users.add(name, args.role, hashed, by, utc_now()):
            raise UsageError(f"admin user {name!r} exists already")  # taken a moment ago
        out.write(f"added {name} ({args.role})\n")
    else:
        await users.set_password(name, hashed, by, utc_now())
        out.write(f"new password for {name}\n")
    return ExitStatus.DONE


def _listing(accounts: list[AdminAccount]) -> list[str]:
    if not accounts:
        return ["no admin users yet: `wxbot admin add-user NAME --role ops` adds one\n"]
    now = utc_now()
    lines = [f"{'name':<16}  {'role':<8}  status\n"]
    for account in accounts:
        locked = account.locked_until
        if locked is not None and locked.tzinfo is None:  # SQLite drops the zone: it was UTC
            locked = locked.replace(tzinfo=now.tzinfo)
        if locked is not None and locked > now:
            status = f"locked until {format_time(locked)}"
        elif account.failures:
            status = f"active, {account.failures} failed sign-ins since the last"
        else:
            status = "active"
        lines.append(f"{account.name:<16}  {account.role:<8}  {status}\n")
    return lines
