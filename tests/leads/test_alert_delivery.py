"""Alerts through the durable outbox: WeCom faults, restarts, duplicates, fallback, bursts."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.app import create_app
from bot.app_keys import OUTBOX_WORKER, SESSIONS
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from leads.alerts import LeadSummary, alert_job
from leads.jobs import LEAD_ALERT, LEAD_DIGEST
from storage.models import OutboxJob
from storage.outbox import add_jobs
from storage.types import utc_now
from tests.conftest import ClientFactory
from tests.leads.helpers import LeadsBot, eventually

SEND = "/cgi-bin/message/send"
PHONE = "我想预约试驾，电话13800138000"


async def alert_jobs(bot: LeadsBot, kind: str = LEAD_ALERT.name) -> list[OutboxJob]:
    async with bot.client.app[SESSIONS]() as session:
        return list(await session.scalars(select(OutboxJob).where(OutboxJob.kind == kind)))


async def test_wecom_down_delays_the_alert_but_sends_it_once(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    leads_bot.fake.inject(SEND, http_status=503)
    await leads_bot.new_lead(player, "o_down", PHONE)
    await leads_bot.wait_alert("zhangsan")
    [job] = await alert_jobs(leads_bot)
    assert (job.status, job.attempts) == ("done", 2)
    assert len(leads_bot.alerts_to("zhangsan")) == 1


async def test_a_retried_alert_is_dropped_by_wecoms_duplicate_check(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await leads_bot.new_lead(player, "o_twice", PHONE)
    await leads_bot.wait_alert("zhangsan")
    # As if the worker died after the send but before marking the job done.
    async with leads_bot.client.app[SESSIONS].begin() as session:
        await session.execute(
            update(OutboxJob).where(OutboxJob.kind == LEAD_ALERT.name).values(status="pending")
        )
    await leads_bot.wait_idle()
    assert leads_bot.fake.duplicates_suppressed == 1
    assert len(leads_bot.alerts_to("zhangsan")) == 1


async def test_alert_survives_a_restart(
    leads_bot: LeadsBot,
    player: WeChatPlayer,
    leads_settings: Settings,
    aiohttp_client: ClientFactory,
) -> None:
    leads_bot.fake.inject(SEND, errcode=-1, times=100)  # WeCom busy for a while
    await leads_bot.follower_says(player, "o_restart", PHONE)

    async def failed_once() -> list[OutboxJob] | None:
        jobs = await alert_jobs(leads_bot)
        return jobs if jobs and jobs[0].attempts >= 1 and jobs[0].locked_until is None else None

    await eventually(failed_once)
    [lead] = await leads_bot.leads()
    await leads_bot.client.close()
    assert leads_bot.alerts_to("zhangsan") == []
    leads_bot.fake.faults.clear()  # WeCom is back
    restarted = await aiohttp_client(create_app(leads_settings, clock=leads_bot.clock))
    leads_bot.client = restarted
    [alert] = await leads_bot.wait_alert("zhangsan")
    assert f"#{lead.id}" in str(alert.payload)


async def test_textcard_is_the_fallback_when_cards_are_refused(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    leads_bot.fake.inject(SEND, errcode=40008)  # invalid message type
    lead = await leads_bot.new_lead(player, "o_old_client", PHONE)
    [alert] = await leads_bot.wait_alert("zhangsan")
    assert alert.msgtype == "textcard"
    assert f"认领 {lead.id}" in alert.payload["textcard"]["description"]
    assert "13800138000" in alert.payload["textcard"]["description"]


async def test_a_burst_is_merged_into_a_digest_instead_of_dropped(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_burst", PHONE)
    await leads_bot.wait_alert("zhangsan")
    summary = LeadSummary(lead.id, "o_burst", "13800138000", "main", (), 110, ())
    burst = 45
    async with leads_bot.client.app[SESSIONS].begin() as session:
        add_jobs(
            session,
            [alert_job("sales", "lisi", summary, "burst", 1000 + i) for i in range(burst)],
            utc_now(),
        )
    leads_bot.client.app[OUTBOX_WORKER].wake()

    async def all_alerts_settled() -> bool:
        jobs = await alert_jobs(leads_bot)
        return all(job.status == "done" for job in jobs) and len(jobs) == burst + 1

    await eventually(all_alerts_settled)
    assert await alert_jobs(leads_bot, LEAD_DIGEST.name)
    # The digest waits for the next minute; let time pass for it.
    async with leads_bot.client.app[SESSIONS].begin() as session:
        await session.execute(
            update(OutboxJob)
            .where(OutboxJob.kind == LEAD_DIGEST.name)
            .values(next_attempt_at=utc_now())
        )
    await leads_bot.wait_idle()
    cards = len(leads_bot.alerts_to("lisi"))
    digests = [m for m in leads_bot.fake.wecom_messages if m.msgtype == "markdown"]
    held = sum(str(m.payload["markdown"]["content"]).count(f"#{lead.id}") for m in digests)
    assert cards <= 40 and held >= 5
    assert cards + held == burst
