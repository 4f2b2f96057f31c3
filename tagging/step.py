"""The tagging engine behind the reply: every stored event becomes tags, points and timeline.

Runs as an effects step (`storage.event_batch.EffectStep`), in the batch's
transaction, after the keyword rules' tags and points were granted.
Event-level rules (signals, counters) react to each event in order;
profile-level rules (tiers, touch channels, expiry) are re-derived once per
profile per batch, so they are always a function of the profile now.
Mirroring to WeChat/WeCom is queued once per batch, grouped across profiles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.event_batch import EventBatch, StoredEvent
from storage.outbox import add_jobs
from storage.profile_tags import expire_due, tags_of
from storage.profiles import canonical_id
from storage.records import MENU_EVENTS
from tagging.rule_kinds import Changes, apply_counter, apply_profile_rules
from tagging.rules import EventKind, RuleSet
from tagging.signals import apply_signals
from tagging.sync_jobs import removal_jobs, sync_jobs_many


def event_kind(event: StoredEvent) -> tuple[EventKind, str] | None:
    """The counter kind and key of a stored event, if counters can count it."""
    if event.msg_type in {"text", "voice"}:  # a voice message counts as its words
        return EventKind.TEXT, event.content or ""
    if event.msg_type != "event":
        return None
    if event.event in MENU_EVENTS:  # a tap on any menu button counts as a click
        return EventKind.CLICK, event.event_key or ""
    if event.event in {"subscribe", "scan"}:
        return EventKind(event.event), event.event_key or ""
    return None


# Told of the tags a batch added to a profile, in the batch's transaction (journeys start on them).
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

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None:
        """The effects step: react to each event of the batch, then to each profile once."""
        now = self._clock()
        changes: defaultdict[int, Changes] = defaultdict(Changes)
        for event in batch.events:
            before = event.profile_id
            after = await apply_signals(
                self.rules, session, event, before, now=now, changes=changes[before]
            )
            if after != before:
                batch.follow_merge(before, after)
                changes[after].merge(changes.pop(before))
                changes[after].full_sync = True
            kind = event_kind(event)
            if kind is not None:
                for rule in self.rules.counters_for(*kind):
                    await apply_counter(session, after, rule, now, changes[after])
        profile_ids = batch.profile_ids()
        await apply_profile_rules(self.rules, session, profile_ids, now, changes)
        for profile_id in profile_ids:
            changes[profile_id].added |= batch.added_tags.get(profile_id, set())
            batch.added_tags[profile_id] |= changes[profile_id].added
        await self._mirror(session, changes, now)
        if self._on_tags_added is not None:
            # Once per profile, with every tag the batch added to it (journeys start on them).
            for profile_id in profile_ids:
                added = batch.added_tags.get(profile_id)
                if added:
                    await self._on_tags_added(session, profile_id, sorted(added))

    async def refresh(self, session: AsyncSession, profile_id: int, *, full_sync: bool) -> None:
        """Re-derive the profile's rule tags; mirror changes (or every tag, when `full_sync`)."""
        now = self._clock()
        profile_id = await canonical_id(session, profile_id)
        changes: defaultdict[int, Changes] = defaultdict(Changes)
        changes[profile_id].full_sync = full_sync
        await apply_profile_rules(self.rules, session, [profile_id], now, changes)
        await self._mirror(session, changes, now)

    async def sweep_expired(self, session: AsyncSession, limit: int = 500) -> int:
        """Expire due tags of every profile; how many expired."""
        now = self._clock()
        expired = await expire_due(session, now, limit=limit)
        removed = [(item.profile_id, item.tag) for item in expired]
        add_jobs(session, await removal_jobs(session, self.rules.sync, removed), now)
        return len(expired)

    async def _mirror(
        self, session: AsyncSession, changes: dict[int, Changes], now: datetime
    ) -> None:
        wanted: dict[int, tuple[set[str], set[str]]] = {}
        for profile_id, change in changes.items():
            add = set(change.added)
            if change.full_sync:
                add |= {tag.tag for tag in await tags_of(session, profile_id)}
            if add or change.removed:
                wanted[profile_id] = (add, set(change.removed))
        add_jobs(session, await sync_jobs_many(session, self.rules.sync, wanted), now)
