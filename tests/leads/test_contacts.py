"""Customer-contact changes: a "contact me" add joins the profile, the tags and the lead."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.app_keys import SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from storage.models import Identity, Profile, ProfileTag
from tests.leads.helpers import LeadsBot, eventually


async def test_added_contact_is_linked_by_unionid_tagged_and_noted_on_the_lead(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await leads_bot.new_lead(player, "o_known", "电话13800138000")
    async with leads_bot.client.app[SESSIONS].begin() as session:
        await session.execute(
            update(Profile).where(Profile.id == lead.profile_id).values(unionid="union-42")
        )
    leads_bot.fake.add_external_contact("wm_42", "客户甲", ["zhangsan"], unionid="union-42")
    status, answer = await leads_bot.post(
        leads_bot.wecom.contact_change("add_external_contact", "zhangsan", "wm_42", "spring_expo")
    )
    assert (status, answer) == (200, "")

    async def linked() -> list[tuple[str, str, str | None]] | None:
        events = await leads_bot.events(lead.id)
        return events if any(kind == "contact_added" for kind, _, _ in events) else None

    await eventually(linked)
    async with leads_bot.client.app[SESSIONS]() as session:
        owner = await session.scalar(select(Identity.profile_id).where(Identity.value == "wm_42"))
        tags = set(
            await session.scalars(
                select(ProfileTag.tag).where(ProfileTag.profile_id == lead.profile_id)
            )
        )
    assert owner == lead.profile_id
    assert {"加企微", "渠道:spring_expo"} <= tags
    assert (await leads_bot.lead(lead.id)).external_userid == "wm_42"

    status, _ = await leads_bot.post(
        leads_bot.wecom.contact_change("del_follow_user", "zhangsan", "wm_42")
    )
    assert status == 200
    await leads_bot.wait_idle()  # applied behind the answer, by the effects stage
    assert ("contact_deleted", "zhangsan", "zhangsan") in await leads_bot.events(lead.id)


async def test_unknown_customer_gets_a_profile_of_its_own(leads_bot: LeadsBot) -> None:
    leads_bot.fake.add_external_contact("wm_new", "客户乙", ["lisi"])
    await leads_bot.post(
        leads_bot.wecom.contact_change("add_external_contact", "lisi", "wm_new", "")
    )

    async def identity() -> int | None:
        async with leads_bot.client.app[SESSIONS]() as session:
            return await session.scalar(
                select(Identity.profile_id).where(Identity.value == "wm_new")
            )

    assert await eventually(identity)
    assert await leads_bot.leads() == []
