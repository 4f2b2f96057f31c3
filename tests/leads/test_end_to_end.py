"""The point of the feature: a follower's intent reaches a salesperson in WeCom."""

from __future__ import annotations

from bot.testing.wechat_player import WeChatPlayer
from tests.bot.helpers import exchange
from tests.leads.helpers import LeadsBot


async def test_follower_leaving_a_phone_reaches_the_assigned_salesperson(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    reply = await exchange(
        leads_bot.client, player, player.text("o_buyer", "我想预约试驾，电话13800138000")
    )
    # The follower is answered from the keyword table as usual: the `drive` rule
    # (reply_mode=all) answers with its first variant, the others follow by customer service.
    assert reply["Content"] == "欢迎预约试驾"

    [alert] = await leads_bot.wait_alert("zhangsan")
    [lead] = await leads_bot.leads()
    card = alert.payload["template_card"]
    text = str(card)
    assert f"#{lead.id}" in card["main_title"]["title"]
    assert "13800138000" in text
    assert "o_buyer" in text
    assert "我想预约试驾，电话13800138000" in card["quote_area"]["quote_text"]
    assert [b["key"] for b in card["button_list"]] == [f"claim:{lead.id}", f"contacted:{lead.id}"]
    assert alert.payload["enable_duplicate_check"] == 1
    assert lead.owner == "zhangsan" and lead.state == "new"
