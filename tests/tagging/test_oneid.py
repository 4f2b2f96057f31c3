"""OneID: merges by phone and unionid keep everything of both; WeCom contacts join profiles."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.database import SessionFactory
from storage.identities import resolve_profile
from storage.models import Identity, InboundEvent, Profile
from storage.profiles import canonical_id, link_unionid, merge_profiles
from storage.tagging_models import WeComRelation
from storage.types import utc_now
from storage.wecom_contacts import PROFILE_REFRESH, link_external_contact
from tests.tagging.events import (
    Clock,
    feed,
    pending_jobs,
    profile,
    profile_of,
    tagging_with,
    tags,
    text,
    timeline,
)

TOUCH = '[touch]\nfirst = "首触:{channel}"\n'


async def test_same_phone_merges_two_profiles_keeping_everything(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with(TOUCH, clock)
    alice = await feed(
        sessions, tagging, openid="o_a", event="subscribe", key="expo", channel="expo",
        tags=("渠道:车展",), points=20,
    )  # fmt: skip
    other = await feed(
        sessions, tagging, openid="o_b", account="second", msg_type="text", content="hi",
        tags=("询价",), points=30,
    )  # fmt: skip
    await text(sessions, tagging, "电话 13800138000", openid="o_a")
    clock.advance(minutes=5)
    await feed(sessions, tagging, openid="o_b", account="second", msg_type="text",
               content="我是 138 0013 8000")  # fmt: skip
    assert await profile_of(sessions, "o_b", "second") == alice
    merged = await profile(sessions, other)
    assert merged.merged_into_id == alice
    survivor = await profile(sessions, alice)
    assert survivor.score == 50
    assert survivor.phone == "13800138000"
    assert {"渠道:车展", "询价", "留资", "首触:expo"} <= set(await tags(sessions, alice))
    entries = await timeline(sessions, alice)
    assert ("tag_added", "询价") in entries  # the absorbed profile's timeline moved over
    assert any(kind == "merged" for kind, _ in entries)
    async with sessions() as session:
        events = await session.scalar(
            select(func.count()).select_from(InboundEvent).where(InboundEvent.profile_id == alice)
        )
        assert events == 4
        assert await resolve_profile(session, "openid", "second", "o_b", utc_now()) == alice


async def test_different_unionids_sharing_a_phone_stay_apart(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with("", clock)
    a = await text(sessions, tagging, "hi", openid="o_a")
    b = await text(sessions, tagging, "hi", openid="o_b")
    async with sessions.begin() as session:
        await link_unionid(session, a, "union-a", at=clock(), source="test")
        await link_unionid(session, b, "union-b", at=clock(), source="test")
    await text(sessions, tagging, "13800138000", openid="o_a")
    await text(sessions, tagging, "13800138000", openid="o_b")
    assert (await profile(sessions, b)).merged_into_id is None


async def test_unionid_joins_an_official_account_follower_and_a_wecom_customer(
    sessions: SessionFactory,
) -> None:
    clock = Clock()
    tagging = tagging_with("", clock)
    pid = await feed(sessions, tagging, openid="o_a", msg_type="text", content="x", tags=("询价",))
    async with sessions.begin() as session:
        await link_unionid(session, pid, "union-1", at=clock(), source="user/info")
    async with sessions.begin() as session:
        linked = await link_external_contact(
            session, "sales", "wm_1", at=clock(), unionid="union-1", staff_userid="alice",
            state="spring_expo",
        )  # fmt: skip
    assert linked == pid
    found = await profile(sessions, pid)
    assert (found.unionid, found.last_channel) == ("union-1", "spring_expo")
    async with sessions() as session:
        kinds = set(await session.scalars(select(Identity.kind).where(Identity.profile_id == pid)))
        relation = await session.scalar(select(WeComRelation.userid))
    assert kinds == {"openid", "external_userid"}
    assert relation == "alice"
    assert await pending_jobs(sessions, PROFILE_REFRESH) == [
        {"target": "profile", "profile_id": pid}
    ]


async def test_merge_twice_is_harmless_and_moves_late_rows(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with("", clock)
    a = await feed(sessions, tagging, openid="o_a", msg_type="text", content="x", tags=("甲",))
    b = await feed(sessions, tagging, openid="o_b", msg_type="text", content="x", tags=("甲", "乙"))
    async with sessions.begin() as session:
        merge = await merge_profiles(session, b, a, reason="test", at=clock())
    assert merge is not None and (merge.survivor, merge.absorbed) == (a, b)
    async with sessions.begin() as session:
        assert await merge_profiles(session, a, b, reason="again", at=clock()) is None
        assert await canonical_id(session, b) == a
        profiles = await session.scalar(
            select(func.count()).select_from(Profile).where(Profile.merged_into_id.is_(None))
        )
    assert profiles == 1
    assert set(await tags(sessions, a)) == {"甲", "乙"}
