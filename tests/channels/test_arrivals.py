"""What arriving through a channel gives: its tags (mirrored to WeChat and WeCom), its
points, its member row, and "tagged" once the person shows behaviour."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.app_keys import SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from storage.channels.models import ChannelMember
from storage.channels.tallies import totals
from storage.local_days import local_day
from storage.models import Identity, PointEntry, Profile, ProfileTag
from storage.types import utc_now
from tests.bot.helpers import exchange
from tests.conftest import APP_ID
from tests.leads.helpers import LeadsBot


async def _profile_of(bot: LeadsBot, value: str) -> int:
    async with bot.client.app[SESSIONS]() as session:
        found = await session.scalar(select(Identity.profile_id).where(Identity.value == value))
    assert found is not None, f"no profile for {value}"
    return int(found)


async def _day(bot: LeadsBot, channel: str) -> dict[str, int]:
    async with bot.client.app[SESSIONS]() as session:
        rows = await totals(session, local_day(utc_now()), channel)
    return rows[0][2] if rows else {}


async def _add(bot: LeadsBot, userid: str, external: str, state: str) -> None:
    xml = bot.wecom.contact_change("add_external_contact", userid, external, state)
    assert (await bot.post(xml))[0] == 200
    await bot.wait_idle()  # the add applied, the customer linked, the tags mirrored


async def test_a_wecom_add_gets_the_channels_tags_points_and_corp_tags_on_the_relation(
    leads_bot: LeadsBot, fake_state: FakeWeChat
) -> None:
    fake_state.add_external_contact("wm_expo", "客户甲", ["lisi"])
    await _add(leads_bot, "lisi", "wm_expo", "spring_expo")
    profile = await _profile_of(leads_bot, "wm_expo")
    async with leads_bot.client.app[SESSIONS]() as session:
        tag = await session.scalar(
            select(ProfileTag).where(
                ProfileTag.profile_id == profile, ProfileTag.tag == "渠道:春季车展"
            )
        )
        reasons = list(
            await session.scalars(select(PointEntry.reason).where(PointEntry.profile_id == profile))
        )
        member = await session.scalar(
            select(ChannelMember.channel).where(ChannelMember.profile_id == profile)
        )
    assert tag is not None and (tag.category, tag.source) == ("attribute", "channel:spring_expo")
    assert reasons.count("channel:spring_expo") == 1  # the channel's 20 points, once
    assert member == "spring_expo"
    marked = fake_state.external_contacts["wm_expo"].followers["lisi"]
    names = {fake_state.corp_tags[tag_id].name for tag_id in marked}
    assert {"渠道:春季车展", "加企微"} <= names  # mark_tag on lisi's relation, through tag sync
    figures = await _day(leads_bot, "spring_expo")
    assert (figures["adds"], figures["tagged"]) == (1, 0)  # arriving is not behaviour


async def test_a_follower_who_asked_before_adding_counts_as_tagged_at_once(
    leads_bot: LeadsBot, player: WeChatPlayer, fake_state: FakeWeChat
) -> None:
    await exchange(leads_bot.client, player, player.text("o_asker", "价格多少"))  # 询价
    await leads_bot.wait_idle()
    asker = await _profile_of(leads_bot, "o_asker")
    async with leads_bot.client.app[SESSIONS].begin() as session:
        await session.execute(update(Profile).where(Profile.id == asker).values(unionid="u-ask"))
    fake_state.add_external_contact("wm_asker", "客户乙", ["lisi"], unionid="u-ask")
    await _add(leads_bot, "lisi", "wm_asker", "feed_ads")
    assert await _profile_of(leads_bot, "wm_asker") == asker  # one person, by unionid
    figures = await _day(leads_bot, "feed_ads")
    assert (figures["adds"], figures["tagged"]) == (1, 1)
    # Asking again later is not a second "tagged".
    await exchange(leads_bot.client, player, player.text("o_asker", "试驾"))
    await leads_bot.wait_idle()
    assert (await _day(leads_bot, "feed_ads"))["tagged"] == 1


async def test_a_scans_channel_tags_are_mirrored_to_the_official_account(
    leads_bot: LeadsBot, player: WeChatPlayer, fake_state: FakeWeChat
) -> None:
    fake_state.add_follower(APP_ID, "o_store")
    await exchange(leads_bot.client, player, player.event("o_store", "SCAN", "store_xuhui"))
    await leads_bot.wait_idle()
    account = fake_state.accounts[APP_ID]
    [tag_id] = [i for i, name in account.tags.items() if name == "渠道:徐汇门店"]
    assert fake_state.members_of(APP_ID, tag_id) == {"o_store"}
    figures = await _day(leads_bot, "store_xuhui")
    assert (figures["scans"], figures["tagged"]) == (1, 0)
    await exchange(leads_bot.client, player, player.text("o_store", "价格多少"))
    await leads_bot.wait_idle()
    assert (await _day(leads_bot, "store_xuhui"))["tagged"] == 1


async def test_a_merge_moves_the_member_row_to_the_surviving_profile(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    await leads_bot.follower_says(player, "o_older", "我的电话13800138000")
    await leads_bot.wait_idle()  # its profile first: the older one survives a merge
    await exchange(leads_bot.client, player,
                   player.event("o_newer", "subscribe", "qrscene_spring_expo"))  # fmt: skip
    await leads_bot.wait_idle()
    older, newer = await _profile_of(leads_bot, "o_older"), await _profile_of(leads_bot, "o_newer")
    assert older < newer
    await leads_bot.follower_says(player, "o_newer", "电话13800138000")  # the same person
    await leads_bot.wait_idle()
    assert await _profile_of(leads_bot, "o_newer") == older
    async with leads_bot.client.app[SESSIONS]() as session:
        members = (
            await session.execute(select(ChannelMember.profile_id, ChannelMember.channel))
        ).all()
    assert [tuple(m) for m in members] == [(older, "spring_expo")]
