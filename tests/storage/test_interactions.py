"""Recording callbacks and their effects, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from storage.database import SessionFactory
from storage.event_log import record_interaction
from storage.interactions import (
    Effects,
    InboundRecord,
    JobRequest,
    PointGrant,
    TagGrant,
    resolve_profile,
    resolve_profiles,
)
from storage.models import Identity, InboundEvent, OutboxJob, PointEntry, Profile, ProfileTag


def _record(dedup_key: str = "main:m:o1:1", openid: str = "o1") -> InboundRecord:
    return InboundRecord(
        dedup_key=dedup_key,
        account="main",
        openid=openid,
        msg_type="text",
        event=None,
        event_key=None,
        content="价格",
        msg_id=1,
        sent_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )


EFFECTS = Effects(
    rule="price",
    tags=(TagGrant("询价", "keyword:price"),),
    points=(PointGrant(30, "keyword:price"),),
    jobs=(JobRequest("wechat.custom_send", "main", {"touser": "o1"}, dedup_key="k:cs:1"),),
    channel="spring_expo",
)


async def _count(sessions: SessionFactory, model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_interaction_stores_event_profile_tags_points_and_jobs(
    sessions: SessionFactory,
) -> None:
    profile_id = await record_interaction(sessions, _record(), EFFECTS)
    assert profile_id is not None
    async with sessions() as session:
        profile = await session.get_one(Profile, profile_id)
        assert (profile.score, profile.first_channel, profile.last_channel) == (
            30,
            "spring_expo",
            "spring_expo",
        )
        event = await session.scalar(select(InboundEvent))
        assert event is not None
        assert (event.rule, event.content, event.sent_at) == (
            "price",
            "价格",
            datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        )
    assert await _count(sessions, ProfileTag) == 1
    assert await _count(sessions, PointEntry) == 1
    assert await _count(sessions, OutboxJob) == 1


async def test_the_same_dedup_key_is_stored_once_with_its_effects(
    sessions: SessionFactory,
) -> None:
    assert await record_interaction(sessions, _record(), EFFECTS) is not None
    assert await record_interaction(sessions, _record(), EFFECTS) is None
    for model in (InboundEvent, ProfileTag, PointEntry, OutboxJob):
        assert await _count(sessions, model) == 1


async def test_first_channel_is_kept_and_last_channel_follows(sessions: SessionFactory) -> None:
    await record_interaction(sessions, _record("a"), Effects(channel="expo"))
    profile_id = await record_interaction(sessions, _record("b"), Effects(channel="poster"))
    async with sessions() as session:
        profile = await session.get_one(Profile, profile_id)
        assert (profile.first_channel, profile.last_channel) == ("expo", "poster")


async def test_concurrent_first_messages_of_a_new_user_make_one_profile(
    sessions: SessionFactory,
) -> None:
    results = await asyncio.gather(
        *(record_interaction(sessions, _record(f"k{i}"), Effects()) for i in range(8)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert len(set(results)) == 1
    assert await _count(sessions, Identity) == 1
    assert await _count(sessions, InboundEvent) == 8


async def test_resolving_many_identities_creates_only_the_unknown_ones(
    sessions: SessionFactory,
) -> None:
    async with sessions.begin() as session:
        known = await resolve_profile(session, "openid", "main", "o_known")
    wanted = [("main", "o_known"), ("main", "o_new1"), ("other", "o_new1"), ("main", "o_new2")]
    async with sessions.begin() as session:
        resolved = await resolve_profiles(session, "openid", wanted)
    assert set(resolved) == set(wanted)
    assert resolved[("main", "o_known")] == known
    assert len(set(resolved.values())) == 4
    async with sessions.begin() as session:
        assert await resolve_profiles(session, "openid", wanted) == resolved
    assert await _count(sessions, Profile) == 4
    assert await _count(sessions, Identity) == 4
