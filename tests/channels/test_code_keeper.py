"""The code keeper: a shift's end re-staffs the code on time and once however many
processes keep time; a temporary QR code is replaced 3 days before it ends; someone who
is on leave or has left leaves every code, and is back on it at the end of the leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app_keys import CACHE, CHANNEL_KEEPER, CHANNELS, OUTBOX_WORKER, POLICY, SESSIONS
from bot.ops.team_ops import TeamOps
from bot.runtime.channel_keeper import ChannelCodeKeeper
from bot.runtime.team import TeamReturns, local_day
from fakewechat.records import ContactWay
from fakewechat.state import FakeWeChat
from keywords.hours import shanghai
from storage.channels.models import ChannelRow
from storage.models import OutboxJob
from tests.leads.helpers import LeadsBot, eventually


async def _codes_made(bot: LeadsBot, fake: FakeWeChat) -> ContactWay:
    async def made() -> ChannelRow | None:
        async with bot.client.app[SESSIONS]() as session:
            row = await session.scalar(select(ChannelRow).where(ChannelRow.key == "spring_expo"))
        return row if row is not None and row.way_config_id and row.qr_ticket else None

    await eventually(made)
    return next(w for w in fake.contact_ways.values() if w.state == "spring_expo")


def _next_monday(hour: int, minute: int, second: int) -> datetime:
    today = datetime.now(shanghai())
    monday = today + timedelta(days=7 - today.weekday())
    return monday.replace(hour=hour, minute=minute, second=second, microsecond=0)


async def _jobs_keyed(bot: LeadsBot, key: str) -> int:
    async with bot.client.app[SESSIONS]() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.dedup_key == key)
        )
    return int(count or 0)


async def test_a_shift_end_restaffs_the_code_on_time_and_once_across_processes(
    leads_bot: LeadsBot, fake_state: FakeWeChat
) -> None:
    way = await _codes_made(leads_bot, fake_state)
    # spring_expo on a weekday: zhangsan and lisi 09:00-18:00, then lisi alone (the backup).
    six_pm = _next_monday(18, 0, 0)
    leads_bot.clock.offset = six_pm - timedelta(seconds=2) - datetime.now(UTC)
    app = leads_bot.client.app
    # Another process's keeper, on the same database and clock.
    other = ChannelCodeKeeper(app[SESSIONS], lambda: app[CHANNELS].table, clock=leads_bot.clock,
                              on_queued=app[OUTBOX_WORKER].wake)  # fmt: skip
    other.start()
    app[CHANNEL_KEEPER].wake()  # as a publish does: the keepers look at the clock again
    try:

        async def before() -> bool:
            return way.users == ["zhangsan", "lisi"]

        await eventually(before)  # the weekday shift, brought up to date at once
        started = leads_bot.clock()

        async def after() -> bool:
            return way.users == ["lisi"]

        await eventually(after, timeout_s=6.0)  # woken by the boundary, not by a poll
        assert leads_bot.clock() - started < timedelta(seconds=5)
    finally:
        await other.stop()
    assert await _jobs_keyed(leads_bot, f"channel.rota:spring_expo:{int(six_pm.timestamp())}") == 1


async def test_a_temporary_qr_code_is_replaced_three_days_before_it_ends(
    leads_bot: LeadsBot, fake_state: FakeWeChat
) -> None:
    await _codes_made(leads_bot, fake_state)
    app = leads_bot.client.app
    async with app[SESSIONS]() as session:
        row = await session.scalar(select(ChannelRow).where(ChannelRow.key == "spring_expo"))
    assert row is not None and row.qr_expires_at is not None
    first_ticket, ends = row.qr_ticket, row.qr_expires_at
    leads_bot.clock.offset = ends - timedelta(days=3) + timedelta(seconds=1) - datetime.now(UTC)
    keeper = app[CHANNEL_KEEPER]
    keeper.wake()
    await keeper.run_once()  # a second look at the same moment queues nothing more

    async def renewed() -> ChannelRow | None:
        async with app[SESSIONS]() as session:
            row = await session.scalar(select(ChannelRow).where(ChannelRow.key == "spring_expo"))
        return row if row is not None and row.qr_ticket != first_ticket else None

    fresh = await eventually(renewed)
    assert fresh.qr_expires_at is not None and fresh.qr_expires_at > ends
    assert await _jobs_keyed(leads_bot, f"channel.renew:spring_expo:{int(ends.timestamp())}") == 1
    # The demo's one temporary code, made once and replaced once.
    assert len(fake_state.calls_to("/cgi-bin/qrcode/create")) == 3  # + store_xuhui's permanent


async def test_someone_on_leave_leaves_every_code_and_comes_back_on_their_day(
    leads_bot: LeadsBot, fake_state: FakeWeChat
) -> None:
    await leads_bot.wait_idle()  # every code made
    ads = next(w for w in fake_state.contact_ways.values() if w.state == "feed_ads")
    assert "lisi" in ads.users  # feed_ads: lisi and zhangsan, every day 08:00-22:00
    app = leads_bot.client.app
    ops = TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=leads_bot.clock)
    back_on = local_day(leads_bot.clock()) + timedelta(days=3)
    await ops.leave("olga", "lisi", back_on)

    async def lisi_gone() -> bool:
        app[OUTBOX_WORKER].wake()
        return all("lisi" not in w.users for w in fake_state.contact_ways.values())

    await eventually(lisi_gone)
    assert ads.users == ["zhangsan"]
    # Their day comes: the periodic check brings them back, and the rota takes them again.
    leads_bot.clock.advance(days=3)
    returns = TeamReturns(app[SESSIONS], app[CACHE], clock=leads_bot.clock, on_queued=lambda: None)
    assert await returns.run_once() == ["lisi"]
    assert await returns.run_once() == []  # once

    async def lisi_back() -> bool:
        app[OUTBOX_WORKER].wake()
        return "lisi" in ads.users

    await eventually(lisi_back)
    assert ads.users == ["lisi", "zhangsan"]


async def test_someone_who_left_leaves_every_code(
    leads_bot: LeadsBot, fake_state: FakeWeChat
) -> None:
    await leads_bot.wait_idle()
    app = leads_bot.client.app
    await TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=leads_bot.clock).mark_left(
        "olga", "lisi"
    )

    async def lisi_gone() -> bool:
        app[OUTBOX_WORKER].wake()
        return all("lisi" not in w.users for w in fake_state.contact_ways.values())

    await eventually(lisi_gone)
