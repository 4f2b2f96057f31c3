"""Storing accepted callbacks with everything they caused, many per transaction.

A batch shares one transaction and a handful of multi-row statements, whatever
its size: that is what lets concurrent callbacks commit together (see
`storage.group_commit`). Each record still either commits with all its effects
or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import SessionFactory
from storage.interactions import (
    Effects,
    InboundRecord,
    job_rows,
    resolve_profile,
    resolve_profiles,
)
from storage.models import Identity, InboundEvent, OutboxJob, PointEntry, Profile, ProfileTag
from storage.types import utc_now
from storage.upsert import insert_or_skip

Interaction = tuple[InboundRecord, Effects]


async def record_interaction(
    sessions: SessionFactory, record: InboundRecord, effects: Effects
) -> int | None:
    """Store one event and its effects; its profile id, or None when stored before (a retry)."""
    (result,) = await record_interactions(sessions, [(record, effects)])
    return result


async def record_interactions(
    sessions: SessionFactory, batch: Sequence[Interaction]
) -> list[int | None]:
    """Store events and their effects in one transaction.

    Returns, per record, its profile id, or None when its dedup key was stored
    before (also earlier in the same batch): a retry changes nothing.
    """
    async with sessions.begin() as session:
        profiles = await resolve_profiles(
            session, "openid", {(record.account, record.openid) for record, _ in batch}
        )
        connection = await session.connection()
        new_keys = await _insert_events(connection, batch, profiles)
        stored: list[int | None] = []
        fresh: list[tuple[InboundRecord, Effects, int]] = []
        for record, effects in batch:
            profile_id = profiles[(record.account, record.openid)]
            is_new = record.dedup_key in new_keys
            new_keys.discard(record.dedup_key)  # a repeat later in the batch is a retry
            stored.append(profile_id if is_new else None)
            if is_new:
                fresh.append((record, effects, profile_id))
        await _apply(connection, fresh)
    return stored


async def record_late_effects(
    sessions: SessionFactory, record: InboundRecord, effects: Effects
) -> None:
    """Store what a handler that overran its deadline caused, after its event was stored."""
    async with sessions.begin() as session:
        profile_id = await resolve_profile(session, "openid", record.account, record.openid)
        await _apply(await session.connection(), [(record, effects, profile_id)])


async def _insert_events(
    connection: AsyncConnection,
    batch: Sequence[Interaction],
    profiles: dict[tuple[str, str], int],
) -> set[str]:
    """Insert the events not stored before; the dedup keys that were new."""
    now = utc_now()
    rows = [
        {
            "dedup_key": record.dedup_key,
            "account": record.account,
            "openid": record.openid,
            "profile_id": profiles[(record.account, record.openid)],
            "msg_type": record.msg_type,
            "event": record.event,
            "event_key": record.event_key,
            "content": record.content,
            "msg_id": record.msg_id,
            "sent_at": record.sent_at,
            "received_at": now,
            "rule": effects.rule,
            "variant": effects.variant,
            "reply": effects.reply,
        }
        for record, effects in batch
    ]
    # executemany, not `.values(rows)`: SQLAlchemy caches one compiled statement
    # and batches the rows itself, where a multi-row VALUES is compiled per call.
    statement = insert_or_skip(connection, InboundEvent, ("dedup_key",)).returning(
        InboundEvent.dedup_key
    )
    return set((await connection.execute(statement, rows)).scalars())


async def _apply(
    connection: AsyncConnection, fresh: Sequence[tuple[InboundRecord, Effects, int]]
) -> None:
    """Tags, points, outbox jobs and profile/identity state of the new events."""
    now = utc_now()
    tags = {
        (profile_id, grant.tag): {
            "profile_id": profile_id,
            "tag": grant.tag,
            "category": grant.category,
            "source": grant.source,
            "created_at": now,
        }
        for _, effects, profile_id in fresh
        for grant in effects.tags
    }
    if tags:
        await connection.execute(
            insert_or_skip(connection, ProfileTag, ("profile_id", "tag")),
            list(tags.values()),
        )
    points = [(profile_id, grant) for _, effects, profile_id in fresh for grant in effects.points]
    if points:
        await connection.execute(
            insert(PointEntry),
            [
                {"profile_id": pid, "points": g.points, "reason": g.reason, "created_at": now}
                for pid, g in points
            ],
        )
        totals: dict[int, int] = defaultdict(int)
        for pid, grant in points:
            totals[pid] += grant.points
        await connection.execute(
            update(Profile)
            .where(Profile.id == bindparam("pid"))
            .values(score=Profile.score + bindparam("delta"), updated_at=now),
            [{"pid": pid, "delta": delta} for pid, delta in totals.items()],
        )
    jobs = [row for _, effects, _ in fresh for row in job_rows(effects.jobs, now)]
    if jobs:
        await connection.execute(insert(OutboxJob), jobs)
    await _update_state(connection, fresh)


async def _update_state(
    connection: AsyncConnection, fresh: Sequence[tuple[InboundRecord, Effects, int]]
) -> None:
    """Follow state on the identity, QR channel on the profile (only when an event says so)."""
    now = utc_now()
    follows = [
        {"app_": record.account, "value_": record.openid, "subscribed_": effects.subscribed}
        for record, effects, _ in fresh
        if effects.subscribed is not None
    ]
    if follows:
        await connection.execute(
            update(Identity)
            .where(
                Identity.kind == "openid",
                Identity.app == bindparam("app_"),
                Identity.value == bindparam("value_"),
            )
            .values(subscribed=bindparam("subscribed_"), last_seen_at=now),
            follows,
        )
    channels = [
        {"pid": profile_id, "channel": effects.channel}
        for _, effects, profile_id in fresh
        if effects.channel is not None
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
