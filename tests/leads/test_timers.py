"""Timers on a clock the test controls: claim timeout, follow-up tiers, dormancy."""

from __future__ import annotations

from bot.testing.wechat_player import WeChatPlayer
from tests.leads.helpers import LeadsBot

PHONE = "我想预约试驾，电话13800138000"


async def test_unclaimed_lead_is_reassigned_and_the_first_owner_told(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_late", PHONE)
    assert lead.owner == "zhangsan"
    leads_bot.clock.advance(minutes=29)
    await leads_bot.sweep()
    assert (await leads_bot.lead(lead.id)).owner == "zhangsan"
    leads_bot.clock.advance(minutes=2)
    await leads_bot.sweep()
    assert (await leads_bot.lead(lead.id)).owner == "lisi"
    [alert] = await leads_bot.wait_alert("lisi")
    assert "zhangsan 超时未认领" in str(alert.payload)
    assert any("已转给 李四" in text for text in leads_bot.texts_to("zhangsan"))
    kinds = [kind for kind, _, _ in await leads_bot.events(lead.id)]
    assert kinds == ["created", "assigned", "claim_timeout", "assigned"]
    await leads_bot.sweep()  # nothing more is due
    assert len(leads_bot.alerts_to("lisi")) == 1


async def test_claimed_lead_is_not_reassigned(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await leads_bot.new_lead(player, "o_ok", PHONE)
    await leads_bot.staff_says("zhangsan", f"认领 {lead.id}")
    leads_bot.clock.advance(hours=2)
    await leads_bot.sweep()
    assert (await leads_bot.lead(lead.id)).owner == "zhangsan"


async def test_follow_up_tiers_remind_copy_the_manager_then_reclaim(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_idle", PHONE)
    await leads_bot.staff_says("zhangsan", f"认领 {lead.id}")
    leads_bot.clock.advance(days=3, minutes=1)
    await leads_bot.sweep()
    await leads_bot.sweep()  # a tier is told once
    assert [t for t in leads_bot.texts_to("zhangsan") if "未跟进" in t] != []
    assert len([t for t in leads_bot.texts_to("zhangsan") if "提醒" in t]) == 1
    assert leads_bot.texts_to("boss") == []
    leads_bot.clock.advance(days=2)
    await leads_bot.sweep()
    assert any(f"#{lead.id}" in t for t in leads_bot.texts_to("boss"))
    leads_bot.clock.advance(days=2)
    await leads_bot.sweep()
    reclaimed = await leads_bot.lead(lead.id)
    assert reclaimed.owner is None and reclaimed.claimed_at is None
    assert any("收回公海" in t for t in leads_bot.texts_to("zhangsan"))


async def test_a_note_resets_the_follow_up_clock(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await leads_bot.new_lead(player, "o_noted", PHONE)
    await leads_bot.staff_says("zhangsan", f"认领 {lead.id}")
    leads_bot.clock.advance(days=2)
    await leads_bot.staff_says("zhangsan", f"备注 {lead.id} 客户出差中")
    leads_bot.clock.advance(days=2)
    await leads_bot.sweep()
    assert not any("未跟进" in t for t in leads_bot.texts_to("zhangsan"))


async def test_no_activity_for_dormant_days_makes_the_lead_dormant(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_sleep", PHONE)
    await leads_bot.staff_says("zhangsan", f"状态 {lead.id} 未明确")
    leads_bot.clock.advance(days=91)
    await leads_bot.staff_says("zhangsan", f"备注 {lead.id} 打不通")  # staff work is not activity
    await leads_bot.sweep()
    dormant = await leads_bot.lead(lead.id)
    assert (dormant.state, dormant.owner) == ("dormant", None)
    assert "沉睡" in await leads_bot.staff_says("lisi", f"线索 {lead.id}")
    assert "已认领" in await leads_bot.staff_says("lisi", f"认领 {lead.id}")
    assert (await leads_bot.lead(lead.id)).state == "new"
    # Taken up again, it stays taken: the next sweep does not find it dormant at once.
    leads_bot.clock.advance(minutes=1)
    await leads_bot.sweep()
    revived = await leads_bot.lead(lead.id)
    assert (revived.state, revived.owner) == ("new", "lisi")


async def test_won_lead_gets_no_more_alerts(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await leads_bot.new_lead(player, "o_won", PHONE)
    await leads_bot.staff_says("zhangsan", f"状态 {lead.id} 成交")
    assert "已转给" in await leads_bot.staff_says("zhangsan", f"转给 {lead.id} lisi")
    leads_bot.clock.advance(days=200)
    await leads_bot.sweep()
    assert leads_bot.alerts_to("lisi") == []
    locked = await leads_bot.lead(lead.id)
    assert locked.locked and locked.state == "won"
