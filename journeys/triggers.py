"""Where journeys hear of what happened: the hooks the effects stage calls per event.

Each hook takes the caller's session, so entering a run commits (or not) with
the event that caused it. Hooks only insert run rows and check exits: nothing
here sends or waits.

    apply(session, batch)                       the effects stage's last step, per batch:
                                                keyword rule fired, menu click, follow + QR scene
    on_tags_added(session, profile_id, tags)    a tag added (by any rule)
    on_grade_reached(session, profile_id, grade, journey)
    on_lead_state(session, profile_id, state)   a lead created ("new") or moved to a state
    on_contact_added(session, profile_id)       a WeCom contact added
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from journeys.engine import JourneyEngine
from storage.event_batch import EventBatch, StoredEvent
from storage.records import MENU_EVENTS


def event_keys(event: StoredEvent) -> set[str]:
    """The trigger keys a stored event stands for."""
    keys: set[str] = set()
    if event.decision.rule:
        keys.add(f"rule:{event.decision.rule}")
    if event.msg_type == "event" and event.event in MENU_EVENTS and event.event_key:
        keys.add(f"click:{event.event_key}")
    if event.msg_type == "event" and event.event == "subscribe":
        keys.add("follow:*")
        if event.event_key:
            keys.add(f"follow:{event.event_key}")
    return keys


class JourneyTriggers:
    """Turns what happened to a person into journey entries and early exits."""

    def __init__(self, engine: JourneyEngine) -> None:
        self.engine = engine

    async def _enter(
        self,
        session: AsyncSession,
        profile_id: int,
        keys: Collection[str],
        named: str | None = None,
    ) -> int:
        catalog = self.engine.catalog
        journeys = catalog.triggered_by(set(keys))
        direct = catalog.get(named) if named else None
        if direct is not None and direct not in journeys:
            journeys.append(direct)
        entered = 0
        for journey in journeys:
            trigger = journey.trigger if journey is not direct else f"grade journey {named}"
            entered += await self.engine.enter(session, journey, [profile_id], trigger=trigger)
        return entered

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None:
        """The effects step (runs after lead qualification, so exits see the new lead).

        The earlier steps have applied the whole batch, so each profile's exits are
        checked once, then the journeys its events trigger are entered.
        """
        keys: dict[int, set[str]] = {pid: set() for pid in batch.profile_ids()}
        for event in batch.events:
            keys[event.profile_id] |= event_keys(event)
        for profile_id, found in keys.items():
            # Exits first: an unsubscribe or a new lead ends runs before anything new starts.
            await self.engine.check_exits(session, profile_id)
            if found:
                await self._enter(session, profile_id, found)

    async def on_tags_added(
        self, session: AsyncSession, profile_id: int, tags: Collection[str]
    ) -> None:
        await self._enter(session, profile_id, {f"tag:{tag}" for tag in tags})

    async def on_grade_reached(
        self, session: AsyncSession, profile_id: int, grade: str, journey: str | None
    ) -> None:
        await self._enter(session, profile_id, {f"grade:{grade}"}, journey)

    async def on_lead_state(self, session: AsyncSession, profile_id: int, state: str) -> None:
        await self.engine.check_exits(session, profile_id)
        await self._enter(session, profile_id, {f"lead:{state}"})

    async def on_contact_added(self, session: AsyncSession, profile_id: int) -> None:
        await self._enter(session, profile_id, {"contact_added"})
