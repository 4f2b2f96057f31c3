"""Someone on leave: no new leads, their reminders to the deputy (else the manager), and
back by themselves on their day."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.app_keys import CACHE, POLICY, SESSIONS
from bot.ops.team_ops import TeamOps
from bot.runtime.team import TeamReturns, local_day
from bot.testing.wechat_player import WeChatPlayer
from leads.team import Status
from storage.admin_models import AdminAudit
from tests.leads.helpers import LeadsBot, eventually

PHONE = "我想预约试驾，电话1380013800{}"


def ops_of(bot: LeadsBot) -> TeamOps:
    app = bot.client.app
    return TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=bot.clock)


async def away(bot: LeadsBot, userid: str, days: int, deputy: str | None = None) -> None:
    await ops_of(bot).leave("olga", userid, local_day(bot.clock()) + timedelta(days=days), deputy)
    policy = bot.client.app[POLICY]

    async def seen() -> bool:
        return not policy.team.takes_leads(userid)

    await eventually(seen)


async def test_no_new_lead_goes_to_someone_on_leave(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await away(leads_bot, "zhangsan", 3)
    owners = [(await leads_bot.new_lead(player, f"o_{i}", PHONE.format(i))).owner for i in range(3)]
    # wangwu's cap is 1: then lisi, who has no cap.
    assert owners == ["lisi", "wangwu", "lisi"]


async def claimed_lead(bot: LeadsBot, player: WeChatPlayer) -> int:
    lead = await bot.new_lead(player, "o_idle", PHONE.format(9))
    assert lead.owner == "zhangsan"
    assert (await bot.staff_says("zhangsan", f"认领 {lead.id}")).startswith("已认领")
    return lead.id


async def test_reminders_go_to_the_deputy_while_away(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead_id = await claimed_lead(leads_bot, player)
    await away(leads_bot, "zhangsan", 10, deputy="lisi")
    leads_bot.clock.advance(days=4)  # past followup_days (3): the first reminder
    await leads_bot.sweep()
    [text] = leads_bot.texts_to("lisi")
    assert text.startswith(f"提醒：线索 #{lead_id} 已 4 天未跟进")
    assert leads_bot.texts_to("zhangsan") == []


async def test_without_a_deputy_the_manager_gets_them(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead_id = await claimed_lead(leads_bot, player)
    await away(leads_bot, "zhangsan", 10)
    leads_bot.clock.advance(days=4)
    await leads_bot.sweep()
    assert leads_bot.texts_to("zhangsan") == []
    [text] = leads_bot.texts_to("boss")
    assert f"#{lead_id}" in text


async def test_back_by_themselves_on_their_day(leads_bot: LeadsBot) -> None:
    await away(leads_bot, "lisi", 2, deputy="zhangsan")
    app = leads_bot.client.app
    returns = TeamReturns(app[SESSIONS], app[CACHE], clock=leads_bot.clock, on_queued=lambda: None)
    leads_bot.clock.advance(days=1)
    assert await returns.run_once() == []  # the day before: still away
    leads_bot.clock.advance(days=1)
    assert await returns.run_once() == ["lisi"]
    policy = app[POLICY]

    async def back() -> bool:
        return policy.team.takes_leads("lisi")

    await eventually(back)
    rep = policy.rep("lisi")
    assert rep is not None and (rep.status, rep.away_until) == (Status.ACTIVE, None)
    async with app[SESSIONS]() as session:
        audit = await session.scalar(select(AdminAudit).where(AdminAudit.action == "team.return"))
    assert audit is not None and audit.actor == "system"
    assert json.loads(audit.detail)["changes"]["status"] == ["away", "active"]


async def test_staff_chat_answers_someone_on_leave_but_not_someone_who_left(
    leads_bot: LeadsBot,
) -> None:
    await away(leads_bot, "lisi", 3)
    answer = await leads_bot.staff_says("lisi", "我的线索")
    assert answer == "你名下没有未结线索。发送「公海」看看可认领的线索"
    await ops_of(leads_bot).mark_left("olga", "wangwu")
    policy = leads_bot.client.app[POLICY]

    async def gone() -> bool:
        rep = policy.rep("wangwu")
        return rep is not None and rep.status == Status.LEFT

    await eventually(gone)
    assert (await leads_bot.staff_says("wangwu", "我的线索")).startswith("抱歉，你不在销售名单中")
