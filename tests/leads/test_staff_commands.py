"""Every chat-ops command, Chinese and English, and its refusals."""

from __future__ import annotations

import pytest

from bot.testing.wechat_player import WeChatPlayer
from storage.lead_models import Lead
from tests.bot.helpers import exchange
from tests.leads.helpers import LeadsBot


async def lead_for_zhangsan(bot: LeadsBot, player: WeChatPlayer) -> Lead:
    lead = await bot.new_lead(player, "o_cmd", "我想预约试驾，电话13800138000")
    assert lead.owner == "zhangsan"
    return lead


@pytest.mark.parametrize("word", ["帮助", "help"])
async def test_help_lists_the_commands(leads_bot: LeadsBot, word: str) -> None:
    reply = await leads_bot.staff_says("lisi", word)
    assert "我的线索" in reply and "transfer" in reply


async def test_claim_then_mine_shows_state_and_age(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert "待认领" in await leads_bot.staff_says("zhangsan", "我的线索")
    assert "已认领" in await leads_bot.staff_says("zhangsan", f"认领 {lead.id}")
    assert "is already yours" in await leads_bot.staff_says("zhangsan", f"claim #{lead.id}")
    mine = await leads_bot.staff_says("zhangsan", "我的线索")
    assert f"#{lead.id} 待跟进" in mine and "分钟" in mine and "待认领" not in mine
    assert "没有未结线索" in await leads_bot.staff_says("lisi", "我的线索")


async def test_claim_errors(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert "已分配给 张三" in await leads_bot.staff_says("lisi", f"认领 {lead.id}")
    assert "没有线索 #999" in await leads_bot.staff_says("lisi", "认领 999")
    assert "编号" in await leads_bot.staff_says("lisi", "认领")


async def test_status_moves_through_the_lifecycle_and_records_who(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    for word, label in [("联系中", "联系中"), ("unclear", "未明确意向"), ("intent", "明确意向"),
                        ("预约", "预约支付")]:  # fmt: skip
        assert f"→ {label}" in await leads_bot.staff_says("zhangsan", f"状态 {lead.id} {word}")
    assert "不是你的" in await leads_bot.staff_says("lisi", f"状态 {lead.id} lost")
    assert "is not yours" in await leads_bot.staff_says("lisi", f"status {lead.id} lost")
    # The owner's manager may act on the lead.
    assert "→ lost" in await leads_bot.staff_says("boss", f"status {lead.id} lost")
    events = await leads_bot.events(lead.id)
    assert [actor for kind, actor, _ in events if kind == "state"] == ["zhangsan"] * 4 + ["boss"]
    assert (await leads_bot.lead(lead.id)).state == "lost"


async def test_note_is_recorded_and_shown_in_the_timeline(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert "记下备注" in await leads_bot.staff_says("zhangsan", f"备注 {lead.id} 周六到店 看白色款")
    assert "is not yours" in await leads_bot.staff_says("lisi", f"note {lead.id} hi")
    shown = await leads_bot.staff_says("lisi", f"线索 {lead.id}")
    assert "13800138000" in shown and "周六到店 看白色款" in shown
    assert "o_cmd" in shown and "我想预约试驾" in shown and "成为线索" in shown


async def test_transfer_hands_over_and_alerts_the_new_owner(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert "不在销售名单" in await leads_bot.staff_says("zhangsan", f"转给 {lead.id} ghost")
    assert "is not yours" in await leads_bot.staff_says("lisi", f"transfer {lead.id} lisi")
    assert "已转给 李四" in await leads_bot.staff_says("zhangsan", f"转给 {lead.id} lisi")
    [alert] = await leads_bot.wait_alert("lisi")
    assert "zhangsan 转给你" in str(alert.payload)
    assert (await leads_bot.lead(lead.id)).owner == "lisi"


async def test_transfer_to_someone_full_is_refused(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await leads_bot.new_lead(player, "o_a", "电话13800138001")
    await leads_bot.new_lead(player, "o_b", "电话13800138002")
    await leads_bot.new_lead(player, "o_c", "电话13800138003")  # wangwu's one
    assert "已满" in await leads_bot.staff_says("zhangsan", "转给 1 wangwu")


async def test_today_counts_own_and_team(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    await leads_bot.staff_says("zhangsan", f"claim {lead.id}")
    reply = await leads_bot.staff_says("zhangsan", "今日")
    assert "我：新分配 1 · 认领 1" in reply and "团队：新线索 1" in reply


async def test_won_locks_the_person_until_a_manager_unlocks(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert "勿扰锁定" in await leads_bot.staff_says("zhangsan", f"状态 {lead.id} 成交")
    assert "锁定" in await leads_bot.staff_says("zhangsan", f"状态 {lead.id} 联系中")
    assert "只有主管" in await leads_bot.staff_says("zhangsan", f"解锁 {lead.id}")
    assert "is unlocked" in await leads_bot.staff_says("boss", f"unlock {lead.id}")
    assert not (await leads_bot.lead(lead.id)).locked


async def test_show_reports_the_profiles_real_channel(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await exchange(
        leads_bot.client, player, player.event("o_expo", "subscribe", "qrscene_spring_expo")
    )
    lead = await leads_bot.new_lead(player, "o_expo", "电话13800138000")
    shown = await leads_bot.staff_says("zhangsan", f"线索 {lead.id}")
    assert "渠道 spring_expo" in shown


async def test_a_follower_without_a_channel_is_not_said_to_come_from_the_account(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert "渠道 未知" in await leads_bot.staff_says("zhangsan", f"show {lead.id}")


async def test_a_bad_state_lists_the_english_names_too(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    reply = await leads_bot.staff_says("zhangsan", f"状态 {lead.id} maybe")
    for names in ("联系中(contacting)", "未明确意向(unclear)", "成交(won)", "流失(lost)"):
        assert names in reply


async def test_the_answer_comes_in_the_language_the_command_was_typed_in(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    n = lead.id
    for said, answer in [
        (f"认领 {n}", f"已认领线索 #{n}，请尽快联系客户"),
        (f"claim {n}", f"Lead #{n} is already yours"),
        (f"状态 {n} 联系中", f"线索 #{n}：待跟进 → 联系中"),
        (f"status {n} unclear", f"Lead #{n}: contacting → unclear"),
        (f"备注 {n} 周六到店", f"已为线索 #{n} 记下备注"),
        (f"note {n} visits on Saturday", f"Note added to lead #{n}"),
        (
            f"status {n} won",
            f"Lead #{n}: unclear → won; the customer is now locked (do not disturb)",
        ),
    ]:
        assert await leads_bot.staff_says("zhangsan", said) == answer


async def test_help_and_mistakes_answer_in_english_to_english(leads_bot: LeadsBot) -> None:
    assert (await leads_bot.staff_says("lisi", "help")).startswith("Lead commands (in English")
    assert (await leads_bot.staff_says("lisi", "帮助")).startswith("线索命令（中英文均可）")
    assert (
        await leads_bot.staff_says("lisi", "claim")
        == "Give the lead's id: claim <id>, e.g. claim 12"
    )
    assert (await leads_bot.staff_says("lisi", "mine")).startswith("You have no open leads")
    assert (await leads_bot.staff_says("lisi", "today")).startswith("Today, me: assigned 0")


async def test_mine_lists_in_the_language_asked(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await lead_for_zhangsan(leads_bot, player)
    assert await leads_bot.staff_says("zhangsan", "mine") == (
        f"Your open leads (1):\n#{lead.id} new unclaimed · 0 min"
    )
    assert await leads_bot.staff_says("zhangsan", "我的线索") == (
        f"你的未结线索 1 条：\n#{lead.id} 待跟进 待认领 · 0分钟"
    )
