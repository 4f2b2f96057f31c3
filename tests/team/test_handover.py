"""A manager hands someone's leads over: one digest card per new owner, whatever crashes.

Through the running bot: leads made by followers, a hand-over by the rules or to one
person, the cards WeCom received, the leads' history, and a worker that died between
sending a digest and recording it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.app_keys import CACHE, POLICY, SESSIONS
from bot.ops.team_ops import TeamOps, TeamOpsError
from bot.runtime.team import local_day
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.records import WeComMessage
from leads.handover import Handover
from leads.intake import ASSIGNING
from leads.jobs import HANDOVER_DIGEST
from leads.lifecycle import OPEN_STATES
from storage.lead_models import Lead, LeadEvent
from storage.leads.load import read_load, recount_load
from storage.models import OutboxJob
from tests.leads.helpers import LeadsBot, eventually

PHONES = [f"我想预约试驾，电话1380013800{i}" for i in range(6)]


def ops_of(bot: LeadsBot) -> TeamOps:
    app = bot.client.app
    return TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=bot.clock)


def digests_to(bot: LeadsBot, userid: str) -> list[WeComMessage]:
    return [m for m in bot.fake.wecom_messages if userid in m.touser and m.msgtype == "markdown"]


async def zhangsans_leads(bot: LeadsBot, player: WeChatPlayer, count: int) -> list[Lead]:
    """`count` new leads, all zhangsan's: the others are on leave while they arrive."""
    ops = ops_of(bot)
    back = local_day(bot.clock()) + timedelta(days=5)
    for userid in ("lisi", "wangwu"):
        await ops.leave("olga", userid, back)
    policy = bot.client.app[POLICY]
    await eventually(lambda: _async(not policy.team.takes_leads("wangwu")))
    leads = [await bot.new_lead(player, f"o_h{i}", PHONES[i]) for i in range(count)]
    for userid in ("lisi", "wangwu"):
        await ops.back("olga", userid)
    await eventually(lambda: _async(policy.team.takes_leads("wangwu")))
    assert {lead.owner for lead in leads} == {"zhangsan"}
    return leads


async def _async(value: bool) -> bool:
    return value


async def assert_load_is_true(bot: LeadsBot) -> None:
    async with bot.client.app[SESSIONS]() as session:
        kept = await read_load(session)
        truth = await recount_load(session, OPEN_STATES, ASSIGNING)
    assert {k: v for k, v in kept.open_leads.items() if v} == {
        k: v for k, v in truth.open_leads.items() if v
    }


async def test_by_the_rules_each_new_owner_gets_one_card_and_the_history_says_why(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    leads = await zhangsans_leads(leads_bot, player, 4)
    ops = ops_of(leads_bot)
    await ops.mark_left("olga", "zhangsan")
    done = await ops.handover("olga", "zhangsan", reason="离职交接")
    # wangwu's cap is 1; lisi has none: round robin until wangwu is full.
    assert sorted(done.inherited["wangwu"]) == [leads[1].id]
    assert sorted(done.inherited["lisi"]) == [leads[0].id, leads[2].id, leads[3].id]
    await leads_bot.wait_idle()
    [to_lisi] = digests_to(leads_bot, "lisi")
    [to_wangwu] = digests_to(leads_bot, "wangwu")
    content = str(to_lisi.payload["markdown"]["content"])
    assert content.startswith(f"**张三 交接给你 3 条线索**（交接 #{done.handover_id}）")
    assert all(f"> #{lead_id} · 待跟进" in content for lead_id in done.inherited["lisi"])
    assert f"#{leads[1].id}" in str(to_wangwu.payload["markdown"]["content"])
    # No alert card per lead: the digest is the one message.
    assert len(leads_bot.alerts_to("lisi")) == 0
    async with leads_bot.client.app[SESSIONS]() as session:
        entry = await session.scalar(
            select(LeadEvent).where(
                LeadEvent.lead_id == leads[0].id, LeadEvent.kind == "transferred"
            )
        )
    assert entry is not None
    assert (entry.actor, entry.owner) == ("olga", "lisi")
    assert entry.detail == f"交接 #{done.handover_id}：zhangsan → lisi；离职交接"
    [record] = await ops.handovers("zhangsan")
    assert (record.actor, record.lead_count, record.employed, record.to_userid) == (
        "olga", 4, False, None
    )  # fmt: skip
    await assert_load_is_true(leads_bot)


async def test_chosen_leads_to_one_person(leads_bot: LeadsBot, player: WeChatPlayer) -> None:
    leads = await zhangsans_leads(leads_bot, player, 3)
    ops = ops_of(leads_bot)
    chosen = [leads[0].id, leads[2].id]
    with pytest.raises(TeamOpsError) as refused:
        await ops.handover("olga", "zhangsan", to="wangwu", lead_ids=chosen)
    assert [str(p) for p in refused.value.problems] == [
        "wangwu has room for 1 more open leads, not 2"
    ]
    with pytest.raises(TeamOpsError) as refused:
        await ops.handover("olga", "zhangsan", to="lisi", lead_ids=[*chosen, 999])
    assert [str(p) for p in refused.value.problems] == ["not open leads of zhangsan: #999"]
    done = await ops.handover("olga", "zhangsan", to="lisi", lead_ids=chosen, reason="调岗")
    assert dict(done.inherited) == {"lisi": chosen}
    assert (await leads_bot.lead(leads[1].id)).owner == "zhangsan"
    await leads_bot.wait_idle()
    [digest] = digests_to(leads_bot, "lisi")
    assert "交接给你 2 条线索" in str(digest.payload["markdown"]["content"])
    # zhangsan is still employed: the customer mover would be told so.
    [record] = await ops.handovers("zhangsan")
    assert (record.employed, record.to_userid, record.lead_count) == (True, "lisi", 2)


async def test_one_card_per_new_owner_across_a_crash_of_the_worker(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await zhangsans_leads(leads_bot, player, 2)
    done = await ops_of(leads_bot).handover("olga", "zhangsan", to="lisi")
    await leads_bot.wait_idle()
    assert len(digests_to(leads_bot, "lisi")) == 1
    sessions = leads_bot.client.app[SESSIONS]
    async with sessions() as session:
        [job] = list(
            await session.scalars(select(OutboxJob).where(OutboxJob.kind == HANDOVER_DIGEST.name))
        )
    assert job.dedup_key == f"handover:{done.handover_id}:lisi"
    # As if the worker died after WeCom took the card and before the job was marked done:
    # its lease ran out and another worker runs it again.
    async with sessions.begin() as session:
        await session.execute(
            update(OutboxJob).where(OutboxJob.id == job.id).values(status="pending")
        )
    suppressed = leads_bot.fake.duplicates_suppressed
    await leads_bot.wait_idle()
    assert leads_bot.fake.duplicates_suppressed == suppressed + 1
    assert len(digests_to(leads_bot, "lisi")) == 1


class Crash(Exception):
    """Raised inside the hand-over's transaction after its work: everything rolls back."""


async def test_a_hand_over_that_crashes_leaves_no_owner_changed_and_no_card_queued(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    leads = await zhangsans_leads(leads_bot, player, 2)
    app = leads_bot.client.app
    handover = Handover(app[POLICY], leads_bot.clock)
    try:
        async with app[SESSIONS].begin() as session:
            await handover.run(session, actor="olga", from_userid="zhangsan", to="lisi")
            raise Crash
    except Crash:
        pass
    assert {(await leads_bot.lead(lead.id)).owner for lead in leads} == {"zhangsan"}
    async with app[SESSIONS]() as session:
        queued = list(
            await session.scalars(select(OutboxJob).where(OutboxJob.kind == HANDOVER_DIGEST.name))
        )
    assert queued == []
    # Done again for real: one card, for this hand-over.
    done = await ops_of(leads_bot).handover("olga", "zhangsan", to="lisi")
    await leads_bot.wait_idle()
    [digest] = digests_to(leads_bot, "lisi")
    assert f"（交接 #{done.handover_id}）" in str(digest.payload["markdown"]["content"])
    await assert_load_is_true(leads_bot)
