"""Group commit: callbacks that arrive together share one append and one commit.

Each callback still waits for the commit that holds its event before WeChat is
answered; it only shares that commit's cost (see `storage.batching`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.batching import Batcher
from storage.event_log import EventAppender, event_rows
from storage.models import InboundEvent
from storage.pending_events import HELD, PENDING
from storage.records import Decision, InboundRecord
from storage.types import utc_now

# Large enough to absorb a burst, small enough to keep one transaction short.
MAX_BATCH = 64


@dataclass(frozen=True)
class Append:
    record: InboundRecord
    decision: Decision
    # The handler overran its deadline: its decision comes later (`settle_late`).
    held: bool = False


class GroupCommitWriter:
    """Appends events, batching the ones that are waiting at the same time."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Callable[[], datetime] = utc_now,
        max_batch: int = MAX_BATCH,
    ) -> None:
        # Core on the engine, no ORM session: this is the request's only write.
        self._engine = engine
        self._appender = EventAppender(engine)
        self._clock = clock
        self._batcher = Batcher[Append, bool]("group-commit", self._write, max_batch)
        # WeChat retries every callback it saw no answer to in 5 s, up to three times: a
        # retry storm comes with overload. Alone, a retry's lookup took a pool checkout,
        # its ping and a SELECT, ~4x a fresh message's CPU; concurrent ones share them.
        self._replies = Batcher[str, str | None]("stored-replies", self._replies_of, max_batch)

    async def append(self, item: Append) -> bool:
        """True once committed; False when the event was stored before (a retry)."""
        return await self._batcher.submit(item)

    async def _write(self, batch: Sequence[Append]) -> Sequence[bool | Exception]:
        now = self._clock()
        rows = [
            row
            for item in batch
            for row in event_rows([(item.record, item.decision)], now, held=item.held)
        ]
        try:
            new_keys = await self._appender.append(rows)
        except Exception as exc:
            if len(batch) == 1:
                # The callback fails (its caller answers an error) and WeChat retries it.
                return [exc]
            # One bad record must not fail its neighbours: write each on its own.
            outcomes: list[bool | Exception] = []
            for item in batch:
                outcomes.extend(await self._write([item]))
            return outcomes
        stored: list[bool] = []
        for item in batch:
            key = item.record.dedup_key
            stored.append(key in new_keys)
            new_keys.discard(key)  # a repeat later in the batch is a retry
        return stored

    async def settle_late(self, dedup_key: str, decision: Decision) -> None:
        """Give a held event the decision of its late handler, and release it to the stage."""
        async with self._engine.begin() as connection:
            await connection.execute(
                update(InboundEvent)
                .where(InboundEvent.dedup_key == dedup_key, InboundEvent.effects_state == HELD)
                .values(
                    rule=decision.rule,
                    variant=decision.variant,
                    decision=decision.to_json(),
                    effects_state=PENDING,
                )
            )

    async def stored_reply(self, dedup_key: str) -> str | None:
        """The reply sent for a stored event; None while no event has that key."""
        return await self._replies.submit(dedup_key)

    async def _replies_of(self, keys: Sequence[str]) -> list[str | None]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(InboundEvent.dedup_key, func.coalesce(InboundEvent.reply, "")).where(
                    InboundEvent.dedup_key.in_(set(keys))
                )
            )
            replies = {key: str(reply) for key, reply in rows}
        return [replies.get(key) for key in keys]

    async def drain(self) -> None:
        """Wait for the batch being written, then let the connection go (at shutdown)."""
        await self._batcher.drain()
        await self._replies.drain()
        await self._appender.close()
