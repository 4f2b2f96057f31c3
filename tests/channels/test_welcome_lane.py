"""Welcome messages: once within the 20 s, never twice across callback retries, never late."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.app_keys import SESSIONS
from bot.testing.wecom_player import WeComPlayer
from fakewechat.state import FakeWeChat
from storage.channels.models import ChannelRow, WelcomeSend
from tests.leads.conftest import AGENT_ID, CORP_ID, WECOM_AES_KEY, WECOM_TOKEN
from tests.leads.helpers import LeadsBot, eventually


async def _ways_made(bot: LeadsBot) -> None:
    await bot.wait_idle()

    async def made() -> bool | None:
        async with bot.client.app[SESSIONS]() as session:
            row = await session.scalar(select(ChannelRow).where(ChannelRow.key == "spring_expo"))
        return True if row is not None and row.way_config_id else None

    await eventually(made)


async def _record(bot: LeadsBot) -> list[WelcomeSend]:
    async with bot.client.app[SESSIONS]() as session:
        return list(await session.scalars(select(WelcomeSend).order_by(WelcomeSend.id)))


async def _settled(bot: LeadsBot) -> list[WelcomeSend]:
    async def probe() -> list[WelcomeSend] | None:
        rows = await _record(bot)
        return rows if rows and all(r.status in ("sent", "missed") for r in rows) else None

    return await eventually(probe)


async def test_an_add_is_welcomed_once_across_callback_retries(
    leads_bot: LeadsBot, fake_state: FakeWeChat, wecom: WeComPlayer
) -> None:
    await _ways_made(leads_bot)
    way = next(w for w in fake_state.contact_ways.values() if w.state == "spring_expo")
    assert way.type == 2 and way.scene == 2 and way.users
    code = fake_state.simulate_add("spring_expo", "wmNew", "王小明")
    xml = wecom.contact_change("add_external_contact", code.userid, "wmNew", "spring_expo",
                               code.code)  # fmt: skip
    callback = wecom.callback(xml)
    # WeCom's retries of the same callback, at once and a moment later.
    post = leads_bot.client.post
    answers = await asyncio.gather(
        *(post("/wecom/sales", params=callback.query, data=callback.body) for _ in range(3))
    )
    assert [a.status for a in answers] == [200, 200, 200]
    [record] = await _settled(leads_bot)
    assert (record.status, record.channel, record.userid) == ("sent", "spring_expo", code.userid)
    [welcome] = fake_state.welcomes
    content = welcome.payload["text"]["content"]
    assert content.startswith("王小明") and ("车展" in content)
    assert welcome.at - code.issued_at < 3.0
    # A retry after the send: still one welcome.
    again = await leads_bot.client.post("/wecom/sales", params=callback.query, data=callback.body)
    assert again.status == 200
    await asyncio.sleep(0.6)
    assert len(fake_state.welcomes) == 1
    assert len(await _record(leads_bot)) == 1


async def test_a_code_past_its_window_is_recorded_missed_and_never_sent(
    leads_bot: LeadsBot, fake_state: FakeWeChat
) -> None:
    await _ways_made(leads_bot)
    code = fake_state.simulate_add("spring_expo", "wmLate", "迟到")
    # The callback reached us 25 s after WeCom made the code (a backlog somewhere upstream).
    late = WeComPlayer(WECOM_TOKEN, CORP_ID, WECOM_AES_KEY, AGENT_ID,
                       clock=lambda: time.time() - 25)  # fmt: skip
    xml = late.contact_change("add_external_contact", code.userid, "wmLate", "spring_expo",
                              code.code)  # fmt: skip
    assert (await leads_bot.post(xml))[0] == 200
    [record] = await _settled(leads_bot)
    assert record.status == "missed"
    assert record.reason is not None and record.reason.startswith("expired")
    assert fake_state.welcomes == []
    assert not fake_state.calls_to("/cgi-bin/externalcontact/send_welcome_msg")


async def test_a_code_another_app_used_first_is_missed_with_41051(
    leads_bot: LeadsBot, fake_state: FakeWeChat, wecom: WeComPlayer
) -> None:
    await _ways_made(leads_bot)
    code = fake_state.simulate_add("spring_expo", "wmTaken", "先到")
    code.used = True  # another app's welcome went out first
    xml = wecom.contact_change("add_external_contact", code.userid, "wmTaken", "spring_expo",
                               code.code)  # fmt: skip
    assert (await leads_bot.post(xml))[0] == 200
    [record] = await _settled(leads_bot)
    assert (record.status, record.reason) == (
        "missed", "used: 41051, already delivered by another app"
    )  # fmt: skip


async def test_no_welcome_code_means_no_welcome(
    leads_bot: LeadsBot, fake_state: FakeWeChat, wecom: WeComPlayer
) -> None:
    await _ways_made(leads_bot)
    fake_state.simulate_add("spring_expo", "wmOld", "老朋友")
    xml = wecom.contact_change("add_external_contact", "lisi", "wmOld", "spring_expo")
    assert (await leads_bot.post(xml))[0] == 200
    await leads_bot.wait_idle()
    assert await _record(leads_bot) == []
    assert fake_state.welcomes == []
