"""Applying stored official-account events: OneID, the handler's decision, then the steps.

One batch is a handful of set-based statements for the common work (profiles,
keyword tags and points with their timeline, queued sends, follow state and
channel), whatever its size; the steps (tagging rules, lead qualification)
then see the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.effects.stage import Mark
from storage.event_batch import EffectStep, EventBatch, StoredEvent
from storage.id_filter import one_of
from storage.identities import resolve_profiles
from storage.models import Identity, InboundEvent, OutboxJob, Profile
from storage.outbox import job_rows
from storage.profile_tags import grant_points, grant_tags
from storage.records import Decision


class WeChatEventEffects:
    """The effects of official-account events; `steps` run after the decisions, in order."""

    def __init__(self, steps: Sequence[EffectStep]) -> None:
        self._steps = steps

    async def __call__(
        self, session: AsyncSession, ids: Sequence[int], at: datetime, mark: Mark
    ) -> None:
        batch = await load_batch(session, ids, at)
        # Marked with their profiles before the steps run: the steps' queries (counters,
        # a lead card's last messages) find the batch's events under their profile.
        await mark({event.id: {"profile_id": event.profile_id} for event in batch.events})
        if batch.events:
            await apply_decisions(session, batch)
            for step in self._steps:
                await step.apply(session, batch)


async def load_batch(session: AsyncSession, ids: Sequence[int], at: datetime) -> EventBatch:
    """The events with their profiles resolved (created on first sight)."""
    connection = await session.connection()
    rows = (
        await connection.execute(
            select(
                InboundEvent.id,
                InboundEvent.dedup_key,
                InboundEvent.account,
                InboundEvent.openid,
                InboundEvent.msg_type,
                InboundEvent.event,
                InboundEvent.event_key,
                InboundEvent.content,
                InboundEvent.sent_at,
                InboundEvent.rule,
                InboundEvent.variant,
                InboundEvent.decision,
            )
            .where(one_of(connection, InboundEvent.id, list(ids)))
            .order_by(InboundEvent.id)
        )
    ).all()
    if not rows:
        return EventBatch([], at)
    profiles = await resolve_profiles(
        session, "openid", {(row.account, row.openid) for row in rows}, at
    )
    # Many events of a batch carry the same decision (one keyword rule's answer):
    # each distinct one is parsed once. Decisions are frozen, so events may share one.
    decisions: dict[tuple[str | None, int | None, str | None], Decision] = {}
    events = []
    for row in rows:
        (event_id, dedup_key, account, openid, msg_type, event, event_key, content, sent_at,
         rule, variant, stored) = row  # fmt: skip
        decision = decisions.get((rule, variant, stored))
        if decision is None:
            decision = decisions[rule, variant, stored] = Decision.from_row(rule, variant, stored)
        events.append(
            StoredEvent(
                id=event_id,
                dedup_key=dedup_key,
                account=account,
                openid=openid,
                msg_type=msg_type,
                event=event,
                event_key=event_key,
                content=content,
                sent_at=sent_at,
                decision=decision,
                profile_id=profiles[(account, openid)],
            )
        )
    return EventBatch(events, at)


async def apply_decisions(session: AsyncSession, batch: EventBatch) -> None:
    """What the handlers decided: tags, points, sends, follow state and QR channel."""
    at = batch.at
    added = await grant_tags(
        session,
        [(e.profile_id, grant) for e in batch.events for grant in e.decision.tags],
        at=at,
    )
    for profile_id, tag in added:
        batch.added_tags[profile_id].add(tag)
    await grant_points(
        session,
        [(e.profile_id, grant) for e in batch.events for grant in e.decision.points],
        at=at,
    )
    connection = await session.connection()
    jobs = job_rows([job for e in batch.events for job in e.decision.jobs], at)
    if jobs:
        await connection.execute(insert(OutboxJob), jobs)
    follows = [
        {"app_": e.account, "value_": e.openid, "subscribed_": e.decision.subscribed}
        for e in batch.events
        if e.decision.subscribed is not None
    ]
    if follows:
        await connection.execute(
            update(Identity)
            .where(
                Identity.kind == "openid",
                Identity.app == bindparam("app_"),
                Identity.value == bindparam("value_"),
            )
            .values(subscribed=bindparam("subscribed_"), last_seen_at=at),
            follows,
        )
    channels = [
        {"pid": e.profile_id, "channel": e.decision.channel}
        for e in batch.events
        if e.decision.channel is not None
    ]
    if channels:
        await connection.execute(
            update(Profile)
            .where(Profile.id == bindparam("pid"))
            .values(
                last_channel=bindparam("channel"),
                first_channel=func.coalesce(Profile.first_channel, bindparam("channel")),
            ),
            channels,
        )
