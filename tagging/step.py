"""The tagging engine behind the reply: every stored event becomes tags, points and timeline.

Runs as an evaluation step (storage.evaluation), in the event's evaluation
transaction, after the dispatcher stored the keyword rule's tags and points.
Profile-level rules (tiers, touch channels, expiry) are re-derived on every
event and on `refresh`, so they are always a function of the profile now.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.interactions import add_jobs
from storage.models import InboundEvent
from storage.profile_tags import expire_due, tags_of
from storage.profiles import canonical_id, merge_profiles
from storage.timeline import catch_up
from tagging.rule_kinds import Changes, apply_counter, apply_profile_rules
from tagging.rules import EventKind, RuleSet
from tagging.signals import apply_signals
from tagging.sync_jobs import removal_jobs, sync_jobs


def event_kind(event: InboundEvent) -> tuple[EventKind, str] | None:
    """The counter kind and key of a stored event, if counters can count it."""
    if event.msg_type == "text":
        return EventKind.TEXT, event.content or ""
    if event.msg_type == "event" and event.event in {"click", "subscribe", "scan"}:
        return EventKind(event.event), event.event_key or ""
    return None


# Told of the tags an event added, in the event's transaction (journeys start on them).
TagsAdded = Callable[[AsyncSession, int, Collection[str]], Awaitable[None]]


class Tagging:
    """The rules of one tagging file, applied with one clock."""

    def __init__(
        self,
        rules: RuleSet,
        clock: Callable[[], datetime],
        *,
        on_tags_added: TagsAdded | None = None,
    ) -> None:
        self.rules = rules
        self._clock = clock
        self._on_tags_added = on_tags_added

    def now(self) -> datetime:
        return self._clock()

    async def __call__(self, session: AsyncSession, event: InboundEvent) -> None:
        """The evaluation step: react to one stored event."""
        now = self._clock()
        profile_id = await canonical_id(session, event.profile_id)
        changes = Changes()
        if profile_id != event.profile_id:
            # The callback resolved the profile just before a merge: move what it wrote.
            await merge_profiles(session, profile_id, event.profile_id, reason="late", at=now)
            changes.full_sync = True
        changes.added.update(await catch_up(session, profile_id))
        profile_id = await apply_signals(
            self.rules, session, event, profile_id, now=now, changes=changes
        )
        kind = event_kind(event)
        if kind is not None:
            for rule in self.rules.counters_for(*kind):
                await apply_counter(session, profile_id, rule, now, changes)
        await apply_profile_rules(self.rules, session, profile_id, now, changes)
        await self._mirror(session, profile_id, changes)
        if self._on_tags_added is not None and changes.added:
            await self._on_tags_added(session, profile_id, sorted(changes.added))

    async def refresh(self, session: AsyncSession, profile_id: int, *, full_sync: bool) -> None:
        """Re-derive the profile's rule tags; mirror changes (or every tag, when `full_sync`)."""
        now = self._clock()
        profile_id = await canonical_id(session, profile_id)
        changes = Changes(full_sync=full_sync)
        changes.added.update(await catch_up(session, profile_id))
        await apply_profile_rules(self.rules, session, profile_id, now, changes)
        await self._mirror(session, profile_id, changes)

    async def sweep_expired(self, session: AsyncSession, limit: int = 500) -> int:
        """Expire due tags of every profile; how many expired."""
        expired = await expire_due(session, self._clock(), limit=limit)
        removed = [(item.profile_id, item.tag) for item in expired]
        add_jobs(session, await removal_jobs(session, self.rules.sync, removed))
        return len(expired)

    async def _mirror(self, session: AsyncSession, profile_id: int, changes: Changes) -> None:
        add = set(changes.added)
        if changes.full_sync:
            add |= {tag.tag for tag in await tags_of(session, profile_id)}
        add_jobs(
            session, await sync_jobs(session, self.rules.sync, profile_id, add, changes.removed)
        )
