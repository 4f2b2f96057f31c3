"""Group commit: callbacks that arrive together share one database transaction.

Each callback still waits for the commit that holds its event before WeChat is
answered; it only shares that commit's cost. No timer is involved: while one
batch commits, newcomers queue, and the next batch takes them all, so a lone
callback is written at once and a burst is written in few transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from storage.database import SessionFactory
from storage.event_log import Interaction, record_interactions
from storage.interactions import Effects, InboundRecord

# Large enough to absorb a burst, small enough to keep one transaction short.
MAX_BATCH = 64


class GroupCommitWriter:
    """Stores interactions, batching the ones that are waiting at the same time."""

    def __init__(self, sessions: SessionFactory, max_batch: int = MAX_BATCH) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._waiting: list[tuple[Interaction, asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, record: InboundRecord, effects: Effects) -> int | None:
        """Like `record_interaction`: the profile id once committed, None for a retry."""
        stored: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(((record, effects), stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="group-commit")
        return await stored

    async def _write_all(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            await self._write(batch)

    async def _write(self, batch: Sequence[tuple[Interaction, asyncio.Future[int | None]]]) -> None:
        try:
            results = await record_interactions(self._sessions, [item for item, _ in batch])
        except Exception as exc:
            if len(batch) > 1:
                # One bad record must not fail its neighbours: write each on its own.
                for item in batch:
                    await self._write([item])
                return
            # The callback fails (its caller answers an error) and WeChat retries it.
            for _, stored in batch:
                if not stored.done():
                    stored.set_exception(exc)
            return
        for (_, stored), result in zip(batch, results, strict=True):
            if not stored.done():
                stored.set_result(result)

    async def drain(self) -> None:
        """Wait for the batch being written (at shutdown)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
