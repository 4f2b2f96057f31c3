"""The `transfer_fail` callback ends a customer's transfer on its lead, through the edge."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app_keys import LEADS, OUTBOX_WORKER, SESSIONS
from bot.testing.transfer_fails import owed_transfer_fails
from storage.lead_models import Lead
from storage.models import Profile
from storage.team.transfers import transfers_for_lead
from tests.leads.helpers import LeadsBot, eventually


async def _lead_of_zhangsan(bot: LeadsBot, external: str) -> int:
    now = datetime.now(UTC)
    async with bot.client.app[SESSIONS].begin() as session:
        profile = Profile(created_at=now, updated_at=now)
        session.add(profile)
        await session.flush()
        lead = Lead(profile_id=profile.id, state="contacting", owner="zhangsan", active_at=now,
                    external_userid=external, created_at=now)  # fmt: skip
        session.add(lead)
        await session.flush()
        lead_id = lead.id
    bot.fake.add_external_contact(external, "客户", followers=["zhangsan"])
    return lead_id


async def _state(bot: LeadsBot, lead_id: int) -> str:
    async with bot.client.app[SESSIONS]() as session:
        [view] = await transfers_for_lead(session, lead_id)
        return view.state


async def _reaches(bot: LeadsBot, lead_id: int, state: str) -> None:
    """The outbox worker runs in the background (the next poll stays due an hour later)."""

    async def probe() -> bool:
        bot.client.app[OUTBOX_WORKER].wake()
        return await _state(bot, lead_id) == state

    await eventually(probe)


async def test_a_refusal_callback_ends_the_transfer_refused_and_tells_the_manager(
    leads_bot: LeadsBot,
) -> None:
    lead_id = await _lead_of_zhangsan(leads_bot, "wmRefuser")
    async with leads_bot.client.app[SESSIONS].begin() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.owner = "lisi"
        await leads_bot.client.app[LEADS].moves.move(
            session, 11, "zhangsan", [(lead_id, "lisi", "wmRefuser")], True
        )
    await _reaches(leads_bot, lead_id, "waiting")
    leads_bot.fake.transfer_book.refuse("wmRefuser")
    [callback] = owed_transfer_fails(leads_bot.fake, leads_bot.wecom)
    assert owed_transfer_fails(leads_bot.fake, leads_bot.wecom) == []
    for _ in range(2):  # WeCom's retry: the same event, applied once
        response = await leads_bot.client.post(
            "/wecom/sales", params=callback.query, data=callback.body
        )
        assert response.status == 200
    await _reaches(leads_bot, lead_id, "refused")

    async def notice() -> list[str] | None:
        return leads_bot.texts_to("boss") or None

    [text] = await eventually(notice)
    assert f"线索 #{lead_id}" in text
    kinds = [kind for kind, _, _ in await leads_bot.events(lead_id)]
    assert kinds.count("customer_transfer_failed") == 1
    assert (await leads_bot.lead(lead_id)).owner == "lisi"


async def test_a_callback_for_no_open_transfer_changes_nothing(leads_bot: LeadsBot) -> None:
    lead_id = await _lead_of_zhangsan(leads_bot, "wmStranger")
    xml = leads_bot.wecom.transfer_fail("lisi", "wmStranger", "customer_limit_exceed")
    status, _ = await leads_bot.post(xml)
    assert status == 200
    await leads_bot.wait_idle()
    assert await leads_bot.events(lead_id) == []
