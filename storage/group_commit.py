"""Group commit: callbacks that arrive together share one database transaction.

Each callback still waits for the commit that holds its event before WeChat is
answered; it only shares that commit's cost (see `storage.batching`).
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.batching import Batcher
from storage.database import SessionFactory
from storage.event_log import Interaction, record_interactions
from storage.interactions import Effects, InboundRecord
from storage.models import InboundEvent
from storage.replies import stored_reply

# Large enough to absorb a burst, small enough to keep one transaction short.
MAX_BATCH = 64


class GroupCommitWriter:
    """Stores interactions, batching the ones that are waiting at the same time."""

    def __init__(self, sessions: SessionFactory, max_batch: int = MAX_BATCH) -> None:
        self._sessions = sessions
        self._batcher = Batcher[Interaction, int | None]("group-commit", self._write, max_batch)

    async def record(self, record: InboundRecord, effects: Effects) -> int | None:
        """Like `record_interaction`: the profile id once committed, None for a retry."""
        return await self._batcher.submit((record, effects))

    async def _write(self, batch: Sequence[Interaction]) -> Sequence[int | Exception | None]:
        try:
            return await record_interactions(self._sessions, batch)
        except Exception as exc:
            if len(batch) == 1:
                # The callback fails (its caller answers an error) and WeChat retries it.
                return [exc]
        # One bad record must not fail its neighbours: write each on its own.
        outcomes: list[int | Exception | None] = []
        for item in batch:
            outcomes.extend(await self._write([item]))
        return outcomes

    async def stored_reply(self, dedup_key: str) -> str | None:
        """The reply sent for a stored event; None while no event has that key."""
        async with self._sessions() as session:
            return await stored_reply(session, InboundEvent, dedup_key)

    async def drain(self) -> None:
        """Wait for the batch being written (at shutdown)."""
        await self._batcher.drain()
