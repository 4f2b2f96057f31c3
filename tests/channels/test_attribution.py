"""Each channel count is made once per event, also when a batch is replayed after a failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app_keys import LEADS, SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from storage.channels.directory import channel_label
from storage.channels.tallies import totals
from storage.event_batch import EventBatch
from storage.local_days import local_day
from storage.types import utc_now
from tests.bot.helpers import exchange
from tests.leads.helpers import LeadsBot


async def _figures(bot: LeadsBot, by_staff: bool = False) -> dict[tuple[str, str], dict[str, int]]:
    async with bot.client.app[SESSIONS]() as session:
        rows = await totals(session, local_day(utc_now()), by_staff=by_staff)
    return {(channel, staff): counts for channel, staff, counts in rows}


def _fail_once(bot: LeadsBot, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lead intake raises on its first batch: the stage rolls the batch back and replays it."""
    intake = bot.client.app[LEADS].intake
    real: Callable[[AsyncSession, EventBatch], Awaitable[None]] = intake.apply
    calls: list[int] = []

    async def flaky(session: AsyncSession, batch: EventBatch) -> None:
        calls.append(len(batch.events))
        if len(calls) == 1:
            raise RuntimeError("a crash after the channel counts were written")
        await real(session, batch)

    monkeypatch.setattr(intake, "apply", flaky)
    return calls


async def test_scans_follows_refollows_and_unfollows_count_once_across_a_replay(
    leads_bot: LeadsBot, player: WeChatPlayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await leads_bot.wait_idle()
    calls = _fail_once(leads_bot, monkeypatch)
    client = leads_bot.client
    start = int(utc_now().timestamp()) - 60  # a second apart: events, not retries of one
    for n, (openid, event, key) in enumerate([
        ("o_fan", "subscribe", "qrscene_spring_expo"),  # a new follow by the code
        ("o_fan", "SCAN", "spring_expo"),  # a scan while following
        ("o_fan", "unsubscribe", None),
        ("o_fan", "subscribe", "qrscene_spring_expo"),  # a re-follow
        ("o_other", "SCAN", "unknown_scene"),  # a scene no channel claims
    ]):  # fmt: skip
        await exchange(client, player, player.event(openid, event, key, start + n))
    await leads_bot.wait_idle()
    assert calls and calls[0] > 0, "the replay was not exercised"
    figures = await _figures(leads_bot)
    expo = figures[("spring_expo", "")]
    assert (expo["scans"], expo["follows"], expo["refollows"], expo["unfollows"]) == (3, 1, 1, 1)
    assert figures[("unknown_scene", "")]["scans"] == 1
    async with client.app[SESSIONS]() as session:
        assert await channel_label(session, "spring_expo") == "春季车展"
        assert await channel_label(session, "unknown_scene") == "unknown_scene"


async def test_wecom_adds_and_deletions_count_per_staff_member_once(
    leads_bot: LeadsBot, fake_state: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await leads_bot.wait_idle()
    wecom = leads_bot.wecom
    for external in ("wm1", "wm2"):
        fake_state.add_external_contact(external, "客户", ["lisi"])
        xml = wecom.contact_change("add_external_contact", "lisi", external, "feed_ads")
        assert (await leads_bot.post(xml))[0] == 200
        await leads_bot.post(xml)  # WeCom's retry: the same event, not a second add
    await leads_bot.wait_idle()  # the adds are linked (their relation carries the state)
    for change in ("del_follow_user", "del_external_contact"):
        external = "wm1" if change == "del_follow_user" else "wm2"
        assert (await leads_bot.post(wecom.contact_change(change, "lisi", external)))[0] == 200
    await leads_bot.wait_idle()
    ads = (await _figures(leads_bot, by_staff=True))[("feed_ads", "lisi")]
    assert (ads["adds"], ads["deleted_by_customer"], ads["deleted_by_staff"]) == (2, 1, 1)
