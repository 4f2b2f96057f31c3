"""Appending accepted callbacks: one row per event, many events per statement.

The request path stores the event with its reply and its handler's decision,
and nothing else; the effects stage (`bot.effects.stage`) applies the rest.
The unique `dedup_key` makes a retry a no-op (ON CONFLICT DO NOTHING), and
RETURNING says which keys were new.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import InboundEvent
from storage.pending_events import HELD, PENDING, partition_of
from storage.records import Decision, InboundRecord
from storage.upsert import insert_or_skip

Interaction = tuple[InboundRecord, Decision]

# Column order of the append (and of the arrays of the PostgreSQL statement below).
COLUMNS = (
    "dedup_key",
    "account",
    "openid",
    "partition",
    "msg_type",
    "event",
    "event_key",
    "content",
    "msg_id",
    "sent_at",
    "received_at",
    "rule",
    "variant",
    "reply",
    "decision",
    "effects_state",
)
_ARRAY_TYPES = [
    "text",
    "text",
    "text",
    "int2",
    "text",
    "text",
    "text",
    "text",
    "int8",
    "timestamptz",
    "timestamptz",
    "text",
    "int4",
    "text",
    "text",
    "text",
]
# Below SQLAlchemy Core, on purpose: one fixed statement whatever the batch size,
# sent as one round trip in autocommit. Core's executemany (insertmanyvalues)
# renders a different statement for each batch size, which asyncpg prepares
# anew, and adds BEGIN and COMMIT round trips; together that was about 3 round
# trips and 60-100 µs of CPU per batch more than this (bench/callback.py, the
# durable baseline program does the same as here).
_ARRAYS = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(_ARRAY_TYPES, 1))
# Built from the constants above only, never from input.
_UNNEST_APPEND = " ".join(
    [
        f"INSERT INTO inbound_events ({', '.join(COLUMNS)})",
        f"SELECT * FROM unnest({_ARRAYS})",
        "ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key",
    ]
)


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


class EventAppender:
    """Appends batches of events; on PostgreSQL over one connection it keeps.

    The group-commit writer appends one batch at a time, so one connection is
    enough, and keeping it spares each batch a pool checkout and its pre-ping
    round trip (about 6 % of a serving process's CPU under load, py-spy). A
    failed append drops the connection: the next batch opens a fresh one, so a
    database restart costs only the batch in flight, whose callers answer 500
    and are retried by WeChat.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._connection: AsyncConnection | None = None

    async def append(self, rows: Sequence[dict[str, object]]) -> set[str]:
        """Insert the events not stored before, atomically; the dedup keys that were new."""
        if not self._postgres:
            async with self._engine.begin() as connection:
                # executemany: SQLAlchemy caches one compiled statement and batches the rows.
                statement = insert_or_skip(connection, InboundEvent, ("dedup_key",)).returning(
                    InboundEvent.dedup_key
                )
                return set((await connection.execute(statement, list(rows))).scalars())
        if self._connection is None:
            self._connection = await self._engine.connect()
        try:
            raw = await self._connection.get_raw_connection()
            driver: Any = raw.driver_connection  # asyncpg.Connection
            arrays = [[row[column] for row in rows] for column in COLUMNS]
            return {record[0] for record in await driver.fetch(_UNNEST_APPEND, *arrays)}
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # a dead connection: dropping it is all that is left
                await connection.invalidate()


async def append_events(engine: AsyncEngine, rows: Sequence[dict[str, object]]) -> set[str]:
    """Append once, without keeping a connection (tests, benchmarks, scripts)."""
    appender = EventAppender(engine)
    try:
        return await appender.append(rows)
    finally:
        await appender.close()
