"""Qualification and assignment: once per person, tags first, round robin, capacity, pool."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.app_keys import LEADS, SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.records import WeComMessage
from storage.lead_models import Lead
from storage.models import Identity
from storage.profile_tags import grant_tags
from storage.records import TagGrant
from storage.types import utc_now
from tests.leads.helpers import LeadsBot, eventually

PHONE = "我想预约试驾，电话13800138000"


async def test_a_person_becomes_a_lead_once_and_later_activity_updates_it(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_once", PHONE)
    first_active = lead.active_at
    await leads_bot.follower_says(player, "o_once", "价格多少")
    await leads_bot.follower_says(player, "o_once", "电话 139-0013-9000")
    await leads_bot.wait_idle()
    [again] = await leads_bot.leads()
    assert again.id == lead.id and again.active_at > first_active
    assert len(leads_bot.alerts_to("zhangsan") + leads_bot.alerts_to("lisi")) == 1


async def test_points_alone_qualify_without_a_phone(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await leads_bot.follower_says(player, "o_points", "价格多少")  # 30 points
    await leads_bot.follower_says(player, "o_points", "想试驾")  # 60 points: 90, not yet
    await leads_bot.wait_idle()
    assert await leads_bot.leads() == []
    lead = await leads_bot.new_lead(player, "o_points", "多少钱")  # 120
    assert lead.owner == "zhangsan"
    [alert] = await leads_bot.wait_alert("zhangsan")
    assert "未留" in str(alert.payload)


async def test_round_robin_goes_to_whoever_waited_longest(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    owners = [
        (await leads_bot.new_lead(player, f"o_rr{i}", f"电话1380013800{i}")).owner for i in range(4)
    ]
    assert owners == ["zhangsan", "lisi", "wangwu", "zhangsan"]


async def test_matching_tags_win_over_round_robin(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    first = await leads_bot.new_lead(player, "o_t1", "电话13800138001")
    assert first.owner == "zhangsan"
    await leads_bot.follower_says(player, "o_t2", "你好")
    await leads_bot.wait_idle()
    async with leads_bot.client.app[SESSIONS].begin() as session:
        profile_id = await session.scalar(
            select(Identity.profile_id).where(Identity.value == "o_t2")
        )
        assert profile_id is not None
        await grant_tags(
            session, [(profile_id, TagGrant("上海", "test", "attribute"))], at=utc_now()
        )
    second = await leads_bot.new_lead(player, "o_t2", "电话13800138002")
    assert second.owner == "zhangsan"  # round robin would have said lisi


async def test_full_capacity_is_skipped_and_nobody_left_means_the_pool(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    owners = [
        (await leads_bot.new_lead(player, f"o_cap{i}", f"电话1380013801{i}")).owner
        for i in range(5)
    ]
    # wangwu holds at most one open lead.
    assert owners == ["zhangsan", "lisi", "wangwu", "zhangsan", "lisi"]
    for lead_id in (1, 4):
        assert "成交" in await leads_bot.staff_says("zhangsan", f"状态 {lead_id} 成交")
    for lead_id in (2, 5):
        assert "→ lost" in await leads_bot.staff_says("lisi", f"status {lead_id} lost")
    sixth = await leads_bot.new_lead(player, "o_cap5", "电话13800138020")
    assert sixth.owner == "zhangsan"  # capacity freed by closing leads


async def test_nobody_with_room_sends_the_lead_to_the_pool(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_p0", "电话13800138030")
    for _ in range(3):
        # Everybody let it time out before: pool.
        leads_bot.clock.advance(minutes=31)
        await leads_bot.sweep()
    lead = await leads_bot.lead(lead.id)
    assert lead.owner is None
    assert [kind for kind, _, _ in await leads_bot.events(lead.id)].count("pooled") == 1
    assert "认领" in await leads_bot.staff_says("lisi", "公海")
    assert "is yours" in await leads_bot.staff_says("lisi", f"claim {lead.id}")
    assert (await leads_bot.lead(lead.id)).owner == "lisi"


async def test_the_alert_lands_within_five_seconds(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    started = leads_bot.clock.epoch()
    await leads_bot.follower_says(player, "o_fast", PHONE)
    [alert] = await eventually(lambda: _alerts(leads_bot), timeout_s=5.0)
    assert alert.at - started < 5.0


async def _alerts(bot: LeadsBot) -> list[WeComMessage] | None:
    return list(bot.alerts_to("zhangsan")) or None


@pytest.mark.shared_services  # two transactions at once: PostgreSQL's concurrency
async def test_two_assignments_at_once_never_overshoot_a_salespersons_capacity(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    # Two leads reassigned at once, as two effects consumers would: only wangwu
    # (max_open = 1) is left to take them, so one of them must go to the pool.
    leads = [await leads_bot.new_lead(player, f"o_race{i}", f"电话1380013804{i}") for i in (0, 1)]
    intake = leads_bot.client.app[LEADS].intake
    sessions = leads_bot.client.app[SESSIONS]

    async def reassign(lead_id: int) -> str | None:
        async with sessions.begin() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            owner = await intake.assign(session, lead, reason="t", exclude={"zhangsan", "lisi"})
            await asyncio.sleep(0.3)  # still uncommitted while the other one decides
            return owner

    owners = await asyncio.gather(*(reassign(lead.id) for lead in leads))
    assert sorted(owners, key=str) == [None, "wangwu"]
