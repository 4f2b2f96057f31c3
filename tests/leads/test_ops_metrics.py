"""Lead and WeCom metrics: leads by state (grade-ready), WeCom callbacks by type."""

from __future__ import annotations

from bot.testing.wechat_player import WeChatPlayer
from tests.bot.test_ops_metrics import samples
from tests.leads.helpers import LeadsBot


async def test_leads_by_state_and_wecom_callbacks_by_type(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_buyer", "我想试驾 13800138000")
    await leads_bot.staff_says("zhangsan", "帮助")
    metrics = await samples(leads_bot.client)
    assert metrics[("wxbot_leads", (("grade", ""), ("state", lead.state)))] == 1
    assert metrics[("wxbot_wecom_callbacks_total", (("app", "sales"), ("type", "text")))] == 1
