"""`wxbot team …`: the sales team, changed live: list, add, edit, leave, return, remove,
handover (its customers' WeCom transfers queued with it), and reconcile (`bot/cli/transfers.py`).

The team lives in the database (`[[leads.sales]]` only seeds it once); every change
is audited under `--by` (default: your login) and reaches running bots within 2 s.
Exit statuses (the project's rule): 0 done; 1 the change has problems (all listed:
a deputy on leave, a circle of managers, a past date, open leads left); 2 the
command cannot run (no such salesperson, no `[leads]`), one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
import unicodedata
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from bot.cli.database import database_line
from bot.cli.errors import ExitStatus, UsageError
from bot.cli.transfers import add_reconcile_parser, run_reconcile
from bot.config.settings import Settings
from bot.ops.team_ops import TeamLine, TeamOps, TeamOpsError
from bot.runtime.leads import customer_moves
from leads.handover import HandoverDone
from leads.policy import SalesRep
from leads.team import Status
from storage.cache import open_cache
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.types import utc_now


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-31") from None


def _ids(text: str) -> list[int]:
    try:
        return [int(part.strip().lstrip("#")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not lead ids like 12,15") from None


def _tags(text: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in text.split(",") if tag.strip())


def _member_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name")
    parser.add_argument("--tags", type=_tags, help="tags or regions taken first: a,b")
    parser.add_argument("--max-open", type=int, help="open leads at most (0: no cap)")
    parser.add_argument("--manager", help="their manager's userid (- for none)")
    parser.add_argument("--deputy", help="who stands in while they are away (- for none)")


def add_team_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `wxbot team` and its subcommands."""
    team = commands.add_parser("team", help="the sales team: leave, hand-over, caps")
    sub = team.add_subparsers(dest="team_command", required=True)
    sub.add_parser("list", help="the team: status, open leads, deputy, manager")
    add = sub.add_parser("add", help="a new salesperson")
    add.add_argument("userid")
    _member_options(add)
    edit = sub.add_parser("edit", help="change someone's name, tags, cap, manager or deputy")
    edit.add_argument("userid")
    _member_options(edit)
    leave = sub.add_parser("leave", help="on leave until a date, or --left the company")
    leave.add_argument("userid")
    when = leave.add_mutually_exclusive_group(required=True)
    when.add_argument("--until", type=_day, help="the day they are back (YYYY-MM-DD)")
    when.add_argument("--left", action="store_true", help="has left the company")
    leave.add_argument("--deputy", help="who gets their alerts meanwhile")
    sub.add_parser("return", help="back from leave now").add_argument("userid")
    sub.add_parser("remove", help="off the team (no open leads)").add_argument("userid")
    handover = sub.add_parser("handover", help="hand someone's open leads over")
    handover.add_argument("from_userid", metavar="FROM")
    handover.add_argument("--to", help="one person takes them all (default: the rules)")
    handover.add_argument("--leads", type=_ids, help="only these lead ids: 12,15")
    handover.add_argument("--reason", default="", help="why, for the leads' history")
    for parser in (add, edit, leave, *sub.choices.values()):
        if parser.prog.split()[-1] not in ("list",) and not any(
            "--by" in action.option_strings for action in parser._actions
        ):
            parser.add_argument("--by", help="who makes the change (default: your login)")
    add_reconcile_parser(sub)  # reads WeCom and records what it finds: no --by


def _write(lines: Sequence[str], stream: str = "out") -> None:
    (sys.stdout if stream == "out" else sys.stderr).write("".join(f"{ln}\n" for ln in lines))


def run_team(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `wxbot team` subcommand; the exit status."""
    if settings.leads is None:
        raise UsageError(f"no [leads] in {settings.source}: the team belongs to the leads")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.team_command == "reconcile":
        # Each refused list is in the printed report; the transport's warnings would say
        # it twice, in a log's words.
        for name in ("wxapi.transport", "bot.runtime.reconcile"):
            logging.getLogger(name).setLevel(logging.ERROR)
        return asyncio.run(run_reconcile(settings, args, sys.stdout))
    try:
        return asyncio.run(_run(settings, args))
    except TeamOpsError as error:
        if error.unknown:
            raise UsageError(error.message) from None
        _write([f"error: {error.message}:", *(f"  {problem}" for problem in error.problems)],
               "err")  # fmt: skip
        return ExitStatus.PROBLEMS


@asynccontextmanager
async def _ops(settings: Settings) -> AsyncIterator[TeamOps]:
    assert settings.leads is not None  # noqa: S101 - run_team checked
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    cache = open_cache(settings.storage.redis_url)
    try:
        # The bot's mover: a hand-over queues its customers' WeCom transfers with it, and
        # the running bot's outbox sends them (its poll finds the jobs).
        mover = customer_moves(settings.leads, utc_now)
        ops = TeamOps(
            settings.leads, create_session_factory(engine), cache, clock=utc_now, mover=mover
        )
        await ops.start()
        yield ops
    finally:
        await cache.close()
        await engine.dispose()


def _member_changes(args: argparse.Namespace) -> dict[str, object]:
    changes: dict[str, object] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.tags is not None:
        changes["tags"] = args.tags
    if args.max_open is not None:
        changes["max_open"] = None if args.max_open == 0 else args.max_open
    for key in ("manager", "deputy"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = None if value in ("-", "") else value
    return changes


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    command: str = args.team_command
    by = getattr(args, "by", None) or getpass.getuser()
    async with _ops(settings) as ops:
        if command == "list":
            _write(team_text(await ops.team()))
            return 0
        _write([database_line(settings).rstrip()], "err")  # which database was written
        userid = getattr(args, "userid", None) or ""
        if command == "add":
            changes = _member_changes(args)
            changes.setdefault("name", userid)
            rep = await ops.add(by, SalesRep(userid=userid, **changes))  # type: ignore[arg-type]
            _write([f"added {rep.userid} ({rep.name})"])
        elif command == "edit":
            changes = _member_changes(args)
            if not changes:
                raise UsageError(
                    "nothing to change: give --name, --tags, --max-open, --manager or --deputy"
                )
            rep = await ops.edit(by, userid, **changes)
            _write([f"changed {rep.userid}: " + ", ".join(sorted(changes))])
        elif command == "leave" and args.left:
            rep = await ops.mark_left(by, userid)
            line = await ops.line(userid)
            _write([f"{rep.userid} has left: no new leads, out of every rota;"
                    f" {line.open_leads} open leads to hand over"
                    f" (wxbot team handover {userid})"])  # fmt: skip
        elif command == "leave":
            rep = await ops.leave(by, userid, args.until, args.deputy)
            stand_in = rep.deputy or rep.manager or "nobody"
            _write([f"{rep.userid} is on leave until {args.until.isoformat()};"
                    f" their alerts go to {stand_in}"])  # fmt: skip
        elif command == "return":
            rep = await ops.back(by, userid)
            _write([f"{rep.userid} is back: takes leads again"])
        elif command == "remove":
            await ops.remove(by, userid)
            _write([f"removed {userid} from the team"])
        else:
            done = await ops.handover(
                by, args.from_userid, to=args.to, lead_ids=args.leads, reason=args.reason
            )
            _write(handover_text(args.from_userid, done))
    return 0


def status_text(rep: SalesRep) -> str:
    if rep.status == Status.AWAY and rep.away_until is not None:
        return f"away until {rep.away_until.isoformat()}"
    return rep.status.value


def team_text(lines: Sequence[TeamLine]) -> list[str]:
    """The team as a table: one line each."""
    if not lines:
        return ["the team is empty: add someone with `wxbot team add USERID --name NAME`"]
    rows = [("userid", "name", "status", "open/max", "manager", "deputy", "tags")]
    for line in lines:
        rep = line.rep
        cap = "-" if rep.max_open is None else str(rep.max_open)
        rows.append((rep.userid, rep.name, status_text(rep), f"{line.open_leads}/{cap}",
                     rep.manager or "-", rep.deputy or "-", ",".join(rep.tags) or "-"))  # fmt: skip
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def _width(text: str) -> int:
    # Wide (CJK) characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def handover_text(from_userid: str, done: HandoverDone) -> list[str]:
    pooled = [lead for lead, owner in done.owners.items() if owner is None]
    lines = [f"hand-over #{done.handover_id}: {len(done.owners)} open leads of {from_userid}"]
    lines += [
        f"  {owner}: " + ", ".join(f"#{lead}" for lead in leads)
        for owner, leads in done.inherited.items()
    ]
    if pooled:
        lines.append("  the pool (nobody had room): " + ", ".join(f"#{lead}" for lead in pooled))
    return lines
