"""`wxbot journeys …`: check, list, follow and start nurture journeys.

    wxbot journeys check FILE
    wxbot journeys list
    wxbot journeys runs --user ID
    wxbot journeys dry-run NAME --user ID
    wxbot journeys stats NAME
    wxbot journeys start NAME --segment "tag:高意向 & !tag:留资"

ID is an openid, a phone number or #id (as for `wxbot users show`). Times are
shown in Asia/Shanghai, the zone waits and quiet hours are written in, with the
zone said on each (`bot.ops.times`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import sqlite_file
from bot.cli.errors import UsageError, run_check
from bot.config.settings import Settings
from bot.ops.times import format_time
from bot.runtime.channel_references import journey_references
from bot.runtime.channels import LiveTable, load_configured, load_live
from bot.runtime.journeys import build_journeys
from channels.references import ChannelReference, unknown_references
from channels.table_file import ChannelsError
from filecheck.problems import Problem, Severity
from journeys.campaigns import start_segment
from journeys.definition import Catalog, Journey
from journeys.dry_run import plan
from journeys.expressions import ExpressionError, parse_expression
from journeys.journeys_file import load_journeys
from leads.lifecycle import LeadState
from storage import journey_repo as repo
from storage.database import SessionFactory, create_engine, create_session_factory, upgrade_schema
from storage.profile_facts import ProfileFacts, load_facts
from storage.profile_lookup import find_profile
from storage.types import utc_now


def add_journeys_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `wxbot journeys` and its subcommands."""
    journeys = commands.add_parser("journeys", help="nurture journeys (journeys.toml)")
    sub = journeys.add_subparsers(dest="journeys_command", required=True)
    sub.add_parser("check", help="validate a journeys file").add_argument("file", type=Path)
    sub.add_parser("list", help="the configured journeys and their active runs")
    runs = sub.add_parser("runs", help="where each run of a person stands, and what comes next")
    runs.add_argument("--user", required=True, metavar="ID", help="openid, phone or #id")
    dry = sub.add_parser("dry-run", help="what a journey would do for a person, from now")
    dry.add_argument("name")
    dry.add_argument("--user", required=True, metavar="ID", help="openid, phone or #id")
    sub.add_parser("stats", help="entered, at each step, exits, conversions").add_argument("name")
    start = sub.add_parser("start", help="enter everyone in a segment into a journey now")
    start.add_argument("name")
    start.add_argument("--segment", required=True, help='e.g. "tag:高意向 & !tag:留资"')


def run_journeys(settings: Settings, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run one `wxbot journeys` subcommand; the exit status (see `bot.cli.errors`)."""
    out = out or sys.stdout
    if args.journeys_command == "check":
        return run_check(args.file, lambda path: _checked(settings, path), out)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return asyncio.run(run_journeys_async(settings, args, out))


async def run_journeys_async(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """The subcommands that read the database, for a caller already in an event loop.

    A journeys file with errors raises its `JourneysError` (one line, exit 2).
    """
    if settings.journeys.file is None:
        raise UsageError(f"no [journeys] file in {settings.source}")
    catalog = await asyncio.to_thread(load_journeys, settings.journeys.file)
    return await _run(settings, catalog, args, out)


def _checked(settings: Settings, path: Path) -> tuple[str, tuple[Problem, ...]]:
    catalog = load_journeys(path)
    steps = sum(len(j.steps) for j in catalog.journeys)
    references = journey_references(catalog, path.name)
    warnings = asyncio.run(_channel_warnings(settings, references)) if references else ()
    return (
        f"{len(catalog.journeys)} journeys, {steps} steps, {len(catalog.templates)} templates",
        tuple(warnings),
    )


async def _channel_warnings(
    settings: Settings, references: list[ChannelReference]
) -> list[Problem]:
    """The channel names the conditions use that the live table lacks (warnings: the file is
    fine). The live table is the published one, else `[channels] file`; a database that
    does not exist yet or cannot be read leaves the file."""
    try:
        live = await _live_channels(settings)
    except ChannelsError as error:
        note = f"channel names not checked: {error.source} has errors"
        return [Problem(error.source, 0, "", note, Severity.WARNING)]
    return unknown_references(live.table, references)


async def _live_channels(settings: Settings) -> LiveTable:
    url = settings.storage.database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return await load_configured(settings)  # checking must not create a database
    engine = create_engine(url)
    try:
        return await load_live(settings, create_session_factory(engine))
    except (SQLAlchemyError, OSError):
        return await load_configured(settings)
    finally:
        await engine.dispose()


def _journey(catalog: Catalog, name: str) -> Journey:
    journey = catalog.get(name)
    if journey is None:
        known = ", ".join(j.name for j in catalog.journeys) or "none"
        raise UsageError(f"no journey named {name!r} (known: {known})")
    return journey


async def _run(settings: Settings, catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    # Like `serve`: a database from before this feature gets its tables first.
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    try:
        sessions = create_session_factory(engine)
        command = args.journeys_command
        if command == "list":
            return await _list(sessions, catalog, out)
        if command == "stats":
            return await _stats(sessions, catalog, args.name, out)
        if command == "start":
            return await _start(settings, sessions, catalog, args, out)
        account = settings.wechat[0].name if settings.wechat else ""
        return await _per_user(sessions, catalog, args, out, account)
    finally:
        await engine.dispose()


async def _list(sessions: SessionFactory, catalog: Catalog, out: TextIO) -> int:
    async with sessions() as session:
        active = await repo.active_counts(session)
    for journey in catalog.journeys:
        waits = ", ".join(f"{s.wait} {s.action.kind.value}" for s in journey.steps)
        count = active.get(journey.name, 0)
        out.write(f"{journey.name:<20} trigger {journey.trigger:<22} active {count:<6} {waits}\n")
    return 0


async def _stats(sessions: SessionFactory, catalog: Catalog, name: str, out: TextIO) -> int:
    journey = _journey(catalog, name)
    async with sessions() as session:
        stats = await repo.journey_stats(session, name, LeadState.WON)
    out.write(f"{name}: entered {stats.entered}\n")
    for index, step in enumerate(journey.steps):
        waiting = stats.active_by_step.get(index, 0)
        out.write(f"  at step {index + 1} ({step.wait} {step.action.kind.value}): {waiting}\n")
    for reason, count in sorted(stats.ended_by_reason.items()):
        out.write(f"  {reason}: {count}\n")
    out.write(f"  converted to lead {stats.converted_to_lead}, to won {stats.converted_to_won}\n")
    return 0


async def _start(
    settings: Settings,
    sessions: SessionFactory,
    catalog: Catalog,
    args: argparse.Namespace,
    out: TextIO,
) -> int:
    journey = _journey(catalog, args.name)
    try:
        segment = parse_expression(args.segment)
    except ExpressionError as error:
        raise UsageError(f"--segment {args.segment!r}: {error}") from None
    runtime = build_journeys(settings, catalog, utc_now)
    matched, entered = await start_segment(
        sessions, runtime.engine, journey, segment, trigger=f"segment {args.segment}"
    )
    out.write(
        f"{journey.name}: {matched} in the segment, {entered} entered (others already in a run)\n"
    )
    return 0


async def _per_user(
    sessions: SessionFactory,
    catalog: Catalog,
    args: argparse.Namespace,
    out: TextIO,
    account: str,
) -> int:
    now = utc_now()
    async with sessions() as session:
        profile_id = await find_profile(session, args.user)
        if args.journeys_command == "runs":
            if profile_id is None:
                raise UsageError(f"no profile matches {args.user!r}")
            return await _runs(session, catalog, profile_id, out)
        journey = _journey(catalog, args.name)
        if profile_id is None:
            # A fresh install has nobody yet: show the plan for a follower just seen.
            out.write(f"no profile matches {args.user!r}: planning for a new follower\n")
            facts = ProfileFacts(0, openid=args.user, account=account)
        else:
            found = await load_facts(session, [profile_id], now=now, last_message=True)
            facts = found[profile_id]
    refusal, steps = plan(journey, catalog, facts, now)
    who = f"profile #{profile_id}" if profile_id is not None else repr(args.user)
    out.write(f"dry run of {journey.name} for {who}, now {format_time(now)}\n")
    if refusal:
        out.write(f"  would not enter: {refusal}\n")
        return 0
    for step in steps:
        note = f" ({step.note})" if step.note else ""
        out.write(
            f"  step {step.number} at {format_time(step.at)}{note}: {step.action}: {step.outcome}\n"
        )
    return 0


async def _runs(session: AsyncSession, catalog: Catalog, profile_id: int, out: TextIO) -> int:
    runs = await repo.runs_of(session, profile_id)
    if not runs:
        out.write(f"profile #{profile_id} is in no journey\n")
        return 0
    for run in runs:
        journey = catalog.get(run.journey)
        total = len(journey.steps) if journey else 0
        line = f"run #{run.id} {run.journey} {run.status}, started {format_time(run.started_at)}"
        if run.status == "active" and journey and run.step < total:
            step = journey.steps[run.step]
            what = f"{run.step + 1}/{total} {step.action.kind.value}"
            line += f", next step {what} at {format_time(run.due_at)}"
        elif run.exit_reason:
            line += f", {run.exit_reason} at {format_time(run.ended_at)}"
        out.write(line + "\n")
        for event in (await repo.events_of(session, run.id))[-5:]:
            channel = f" {event.channel}" if event.channel else ""
            what = f"step {(event.step or 0) + 1} {event.kind}{channel} {event.detail or ''}"
            out.write(f"    {format_time(event.at)} {what.rstrip()}\n")
    return 0
