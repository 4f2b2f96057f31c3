"""`wxbot outbox [--kind K] [--status S]` and `wxbot outbox retry ID`.

What the bot sent or tried to send on its own (lead alert cards to sales,
customer-service messages, tag syncs), each with its payload, so a newcomer sees
the alert that went to sales and ops see why a call failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TextIO

from bot.cli.database import database_line, require_database
from bot.cli.errors import UsageError, positive_int
from bot.config.settings import Settings
from bot.ops.times import format_time
from leads.jobs import LEAD_ALERT
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.outbox_listing import RETRYABLE, JobView, list_jobs, requeue

_STATUSES = ("pending", "done", "failed", "skipped")


def add_outbox_parser(commands: argparse._SubParsersAction[Any]) -> None:
    outbox = commands.add_parser(
        "outbox", help="what the bot sent or tried to send (alerts, messages, tag syncs)"
    )
    outbox.add_argument("--kind", help="only this job kind, e.g. lead.alert, wechat.custom_send")
    outbox.add_argument("--status", choices=_STATUSES, help="only jobs in this status")
    outbox.add_argument("--limit", type=positive_int, default=20, help="newest N (default 20)")
    sub = outbox.add_subparsers(dest="outbox_command")
    retry = sub.add_parser("retry", help="re-queue a failed or skipped job to run now")
    retry.add_argument("id", type=int)


@asynccontextmanager
async def _sessions(settings: Settings) -> AsyncIterator[SessionFactory]:
    require_database(settings)
    engine = create_engine(settings.storage.database_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def run_outbox(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    async with _sessions(settings) as sessions:
        if args.outbox_command == "retry":
            status = _retried(args.id, await requeue(sessions, args.id), out)
            sys.stderr.write(database_line(settings))  # which database was written
            return status
        jobs = await list_jobs(
            sessions,
            kind=args.kind,
            status=args.status,
            limit=args.limit,
        )
    if not jobs:
        out.write("no outbox jobs match\n")
    for job in reversed(jobs):  # oldest first, the newest last, next to the prompt
        out.write(render_job(job))
    return 0


def _retried(job_id: int, status: str | None, out: TextIO) -> int:
    if status is None:
        raise UsageError(f"no outbox job #{job_id}")
    if status not in RETRYABLE:
        raise UsageError(
            f"outbox job #{job_id} is {status}: only {' or '.join(RETRYABLE)} jobs are re-queued"
        )
    out.write(f"job #{job_id} ({status}) is queued again; a running bot sends it within seconds\n")
    return 0


def render_job(job: JobView) -> str:
    """One job: a header line, then its payload as a person reads it."""
    done = f", done {format_time(job.done_at)}" if job.done_at else ""
    lines = [
        f"#{job.id} {job.kind} → {job.target}  [{job.status}, {job.attempts} attempts]"
        f"  created {format_time(job.created_at)}{done}"
    ]
    if job.last_error:
        lines.append(f"  error: {job.last_error}")
    lines.extend(f"  {line}" for line in _payload_lines(job))
    return "\n".join(lines) + "\n\n"


def _payload_lines(job: JobView) -> list[str]:
    payload = job.payload
    if job.kind == LEAD_ALERT.name:
        try:
            alert = LEAD_ALERT.decode(payload)
        except TypeError:  # stored by an older release: shown as it is
            return [json.dumps(payload, ensure_ascii=False, sort_keys=True)]
        lines = [f"card to {alert.touser}: {alert.title} ({alert.reason})"]
        lines.extend(f"  {label}: {value}" for label, value in alert.fields)
        lines.extend(f"  > {message}" for message in alert.messages)
        return lines
    text = payload.get("text")
    if isinstance(text, dict) and "content" in text:  # a customer-service text message
        return [f"text to {payload.get('touser')}: {text['content']}"]
    return [json.dumps(payload, ensure_ascii=False, sort_keys=True)]
