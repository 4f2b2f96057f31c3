"""Claim and Contacted on the alert card: the lead changes and the card is updated."""

from __future__ import annotations

from bot.testing.wechat_player import WeChatPlayer
from fakewechat.records import CardUpdate
from tests.leads.helpers import LeadsBot, eventually


async def click(bot: LeadsBot, userid: str, key: str, code: str, task_id: str) -> None:
    status, answer = await bot.post(bot.wecom.card_click(userid, key, code, task_id))
    assert (status, answer) == (200, "")


async def test_claim_button_claims_and_greys_out_the_card(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_btn", "电话13800138000")
    [alert] = await leads_bot.wait_alert("zhangsan")
    assert alert.response_code is not None
    task_id = alert.payload["template_card"]["task_id"]
    await click(leads_bot, "zhangsan", f"claim:{lead.id}", alert.response_code, task_id)
    [update] = await eventually(lambda: _updates(leads_bot))
    assert update.payload["button"] == {"replace_name": "已认领"}
    assert update.payload["userids"] == ["zhangsan"]
    claimed = await leads_bot.lead(lead.id)
    assert claimed.claimed_at is not None and claimed.owner == "zhangsan"


async def test_contacted_button_sets_contacting(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    lead = await leads_bot.new_lead(player, "o_btn2", "电话13800138000")
    [alert] = await leads_bot.wait_alert("zhangsan")
    assert alert.response_code is not None
    await click(leads_bot, "zhangsan", f"contacted:{lead.id}", alert.response_code, "t")
    [update] = await eventually(lambda: _updates(leads_bot))
    assert update.payload["button"] == {"replace_name": "已联系"}
    assert (await leads_bot.lead(lead.id)).state == "contacting"


async def test_click_on_someone_elses_lead_fails_with_a_reason(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_btn3", "电话13800138000")
    [alert] = await leads_bot.wait_alert("zhangsan")
    assert alert.response_code is not None
    await click(leads_bot, "lisi", f"claim:{lead.id}", alert.response_code, "t")
    [update] = await eventually(lambda: _updates(leads_bot))
    assert update.payload["button"] == {"replace_name": "未成功"}
    await leads_bot.wait_idle()
    assert any("已分配给 张三" in text for text in leads_bot.texts_to("lisi"))
    assert (await leads_bot.lead(lead.id)).claimed_at is None


async def _updates(bot: LeadsBot) -> list[CardUpdate] | None:
    return list(bot.fake.card_updates) or None
