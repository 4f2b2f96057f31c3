"""Applying appended events: profiles, tags, points, jobs and state, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from storage.database import SessionFactory
from storage.identities import resolve_profile, resolve_profiles
from storage.models import Identity, InboundEvent, OutboxJob, PointEntry, Profile, ProfileTag
from storage.records import Decision, JobRequest, PointGrant, TagGrant
from storage.types import utc_now
from tests.bot.effects.stage_helpers import append, apply_all, text_record

DECISION = Decision(
    rule="price",
    tags=(TagGrant("询价", "keyword:price"),),
    points=(PointGrant(30, "keyword:price"),),
    jobs=(JobRequest("wechat.custom_send", "main", {"touser": "o1"}, dedup_key="k:cs:1"),),
    channel="spring_expo",
)


async def _count(sessions: SessionFactory, model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _profile_of(sessions: SessionFactory, openid: str = "o1") -> int:
    async with sessions() as session:
        found = await session.scalar(select(Identity.profile_id).where(Identity.value == openid))
    assert found is not None
    return int(found)


async def test_the_append_alone_stores_the_event_and_nothing_else(
    sessions: SessionFactory,
) -> None:
    assert await append(sessions, (text_record(), DECISION)) == {"main:m:o1:1"}
    async with sessions() as session:
        event = await session.scalar(select(InboundEvent))
        assert event is not None
        assert (event.profile_id, event.effects_state, event.rule) == (None, "pending", "price")
    for model in (Profile, Identity, ProfileTag, PointEntry, OutboxJob):
        assert await _count(sessions, model) == 0


async def test_applying_an_event_stores_profile_tags_points_and_jobs(
    sessions: SessionFactory,
) -> None:
    await append(sessions, (text_record(), DECISION))
    assert await apply_all(sessions) == 1
    profile_id = await _profile_of(sessions)
    async with sessions() as session:
        profile = await session.get_one(Profile, profile_id)
        assert (profile.score, profile.first_channel, profile.last_channel) == (
            30,
            "spring_expo",
            "spring_expo",
        )
        event = await session.scalar(select(InboundEvent))
        assert event is not None
        assert (event.rule, event.content, event.sent_at, event.profile_id) == (
            "price",
            "价格",
            datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
            profile_id,
        )
        assert event.effects_state == "applied"
    assert await _count(sessions, ProfileTag) == 1
    assert await _count(sessions, PointEntry) == 1
    async with sessions() as session:
        kinds = sorted(await session.scalars(select(OutboxJob.kind)))
    # The handler's customer-service send, and the new tag mirrored to the account.
    assert kinds == ["tags.oa_sync", "wechat.custom_send"]


async def test_the_same_dedup_key_is_stored_once_with_its_effects(
    sessions: SessionFactory,
) -> None:
    assert await append(sessions, (text_record(), DECISION)) == {"main:m:o1:1"}
    assert await append(sessions, (text_record(), DECISION)) == set()
    await apply_all(sessions)
    assert await append(sessions, (text_record(), DECISION)) == set()
    assert await apply_all(sessions) == 0
    assert await _count(sessions, OutboxJob) == 2  # the send and the tag sync, once
    for model in (InboundEvent, ProfileTag, PointEntry):
        assert await _count(sessions, model) == 1


async def test_first_channel_is_kept_and_last_channel_follows(sessions: SessionFactory) -> None:
    await append(sessions, (text_record("a"), Decision(channel="expo")))
    await append(sessions, (text_record("b"), Decision(channel="poster")))
    await apply_all(sessions)
    profile_id = await _profile_of(sessions)
    async with sessions() as session:
        profile = await session.get_one(Profile, profile_id)
        assert (profile.first_channel, profile.last_channel) == ("expo", "poster")


async def test_many_first_messages_of_a_new_user_make_one_profile(
    sessions: SessionFactory,
) -> None:
    results = await asyncio.gather(
        *(append(sessions, (text_record(f"k{i}"), Decision())) for i in range(8)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert await apply_all(sessions) == 8
    assert await _count(sessions, Identity) == 1
    async with sessions() as session:
        profiles = set(await session.scalars(select(InboundEvent.profile_id)))
    assert profiles == {await _profile_of(sessions)}


async def test_resolving_many_identities_creates_only_the_unknown_ones(
    sessions: SessionFactory,
) -> None:
    async with sessions.begin() as session:
        known = await resolve_profile(session, "openid", "main", "o_known", utc_now())
    wanted = [("main", "o_known"), ("main", "o_new1"), ("other", "o_new1"), ("main", "o_new2")]
    async with sessions.begin() as session:
        resolved = await resolve_profiles(session, "openid", wanted, utc_now())
    assert set(resolved) == set(wanted)
    assert resolved[("main", "o_known")] == known
    assert len(set(resolved.values())) == 4
    async with sessions.begin() as session:
        assert await resolve_profiles(session, "openid", wanted, utc_now()) == resolved
    assert await _count(sessions, Profile) == 4
    assert await _count(sessions, Identity) == 4
