"""`wxbot events failed | retry ID`: events whose effects kept failing, and replaying one."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.cli.errors import UsageError
from bot.config.settings import Settings
from bot.ops.times import format_time
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.lead_models import WeComEvent
from storage.models import InboundEvent
from storage.pending_events import failed_events, retry_event


async def run_events(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    sessions = create_session_factory(engine)
    try:
        if args.events_command == "failed":
            async with sessions() as session:
                found = [
                    (stream, row)
                    for stream, table in (("wechat", InboundEvent), ("wecom", WeComEvent))
                    for row in await failed_events(session, table)
                ]
            if not found:
                out.write("no failed events\n")
            for stream, (event_id, key, attempts, error, received) in found:
                indented = (error or "").replace("\n", "\n    ")
                out.write(
                    f"{stream} #{event_id}  {key}  received {format_time(received)}"
                    f"  after {attempts} attempts\n    {indented}\n"
                )
            return 0
        table = WeComEvent if args.wecom else InboundEvent
        async with sessions.begin() as session:
            retried = await retry_event(session, table, args.id)
        if not retried:
            raise UsageError(f"no failed event #{args.id} (`wxbot events failed` lists them)")
        out.write(f"event #{args.id} is queued again; a running bot applies it within a second\n")
        return 0
    finally:
        await engine.dispose()
