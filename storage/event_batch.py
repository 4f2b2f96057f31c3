"""A batch of stored events as the effects stage applies them, and the step protocol.

Every step sees the whole batch in event order, so it can do set-based work
(one query for all the batch's profiles) and still react to each event in turn.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage.records import Decision


@dataclass
class StoredEvent:
    """One stored official-account event, with the profile the stage resolved for it."""

    id: int
    dedup_key: str
    account: str
    openid: str
    msg_type: str
    event: str | None
    event_key: str | None
    content: str | None
    sent_at: datetime
    decision: Decision
    profile_id: int = 0


@dataclass
class EventBatch:
    """Events of one transaction, oldest first; what earlier steps changed, for later ones."""

    events: list[StoredEvent]
    at: datetime
    # Tags newly added per profile by this batch (keyword grants, rules): mirrored once.
    added_tags: defaultdict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def profile_ids(self) -> list[int]:
        """Each profile of the batch once, in the order of its first event."""
        return list(dict.fromkeys(event.profile_id for event in self.events))

    def follow_merge(self, absorbed: int, survivor: int) -> None:
        """A merge inside the batch: later events of the absorbed profile act on the survivor."""
        if absorbed == survivor:
            return
        for event in self.events:
            if event.profile_id == absorbed:
                event.profile_id = survivor
        self.added_tags[survivor] |= self.added_tags.pop(absorbed, set())


class EffectStep(Protocol):
    """What the effects stage runs for a batch, inside the batch's transaction."""

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None: ...
