"""Appending accepted callbacks: one row per event, many events per statement.

The request path stores the event with its reply and its handler's decision,
and nothing else; the effects stage (`bot.effects.stage`) applies the rest.
An append is one executemany INSERT … ON CONFLICT DO NOTHING, whatever the
batch size: the unique `dedup_key` makes a retry a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import InboundEvent
from storage.pending_events import HELD, PENDING, partition_of
from storage.records import Decision, InboundRecord
from storage.upsert import insert_or_skip

Interaction = tuple[InboundRecord, Decision]


def event_rows(
    batch: Sequence[Interaction], now: datetime, *, held: bool = False
) -> list[dict[str, object]]:
    return [
        {
            "dedup_key": record.dedup_key,
            "account": record.account,
            "openid": record.openid,
            "partition": partition_of(record.account, record.openid),
            "msg_type": record.msg_type,
            "event": record.event,
            "event_key": record.event_key,
            "content": record.content,
            "msg_id": record.msg_id,
            "sent_at": record.sent_at,
            "received_at": now,
            "rule": decision.rule,
            "variant": decision.variant,
            "reply": decision.reply,
            "decision": decision.to_json(),
            "effects_state": HELD if held else PENDING,
        }
        for record, decision in batch
    ]


async def append_events(connection: AsyncConnection, rows: Sequence[dict[str, object]]) -> set[str]:
    """Insert the events not stored before; the dedup keys that were new."""
    # executemany, not `.values(rows)`: SQLAlchemy caches one compiled statement
    # and batches the rows itself (insertmanyvalues), where a multi-row VALUES
    # is compiled anew per batch size.
    statement = insert_or_skip(connection, InboundEvent, ("dedup_key",)).returning(
        InboundEvent.dedup_key
    )
    return set((await connection.execute(statement, rows)).scalars())
