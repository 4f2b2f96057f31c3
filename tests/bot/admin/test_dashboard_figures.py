"""Each dashboard figure against a count made from the stored rows, and its coverage
against the misses page: the two must count the same unanswered messages."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.admin.dashboard_figures import dashboard_figures
from bot.app import create_app
from bot.app_keys import CACHE, KEYWORD_TABLES, SESSIONS, SETTINGS
from bot.config.settings import Settings
from bot.ops.keyword_ops import KeywordStore
from bot.ops.keyword_reports import default_rules, misses_report
from bot.testing.wechat_player import WeChatPlayer
from bot.testing.wecom_player import WeComPlayer
from keywords.hours import shanghai
from storage.lead_models import Lead
from storage.models import InboundEvent, Profile, ProfileTag
from storage.types import utc_now
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.bot.helpers import effects_applied, exchange
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import AGENT_ID, CORP_ID, LEADS_TOML, WECOM_AES_KEY, WECOM_TOKEN

DAYS = 7


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config, extra=LEADS_TOML)


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


def store_of_app(bot: BotClient) -> KeywordStore:
    return KeywordStore(bot.app[SETTINGS], bot.app[SESSIONS], bot.app[CACHE])


async def _traffic(bot: BotClient, player: WeChatPlayer) -> None:
    """Answered, unanswered (the fallback's reply is no answer), voice, follows with and
    without a scene, and two leads: one made before its person's first scan."""
    said = [
        ("o_a", "价格多少"), ("o_a", "电话13800138000"), ("o_b", "发票怎么开"),
        ("o_b", "周末营业吗"), ("o_c", "你好"), ("o_d", "13900139000"),
    ]  # fmt: skip
    for openid, text in said:
        await exchange(bot, player, player.text(openid, text))
    await exchange(bot, player, player.voice("o_c", "价格多少"))
    await exchange(bot, player, player.voice("o_c", "有优惠吗"))
    await exchange(bot, player, player.event("o_a", "subscribe", "qrscene_spring_expo"))
    await exchange(bot, player, player.event("o_e", "subscribe", None))
    await exchange(bot, player, player.event("o_d", "subscribe", "qrscene_autumn"))
    await effects_applied(bot)
    async with bot.app[SESSIONS]() as session:
        first = await session.scalar(select(Lead).order_by(Lead.id).limit(1))
    assert first is not None and first.owner is not None
    wecom = WeComPlayer(WECOM_TOKEN, CORP_ID, WECOM_AES_KEY, AGENT_ID)
    claim = wecom.callback(wecom.text(first.owner, f"认领 {first.id}"))
    response = await bot.post("/wecom/sales", params=claim.query, data=claim.body)
    assert "已认领" in wecom.read_reply(await response.text()).get("Content", "")


async def test_every_figure_is_a_count_of_the_stored_rows(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _traffic(bot, player)
    now = utc_now()
    store, app = store_of_app(bot), bot.app
    defaults = await default_rules(store)
    assert defaults == {"fallback"}
    figures = await dashboard_figures(app[SESSIONS], app[CACHE], now, DAYS, defaults)
    async with app[SESSIONS]() as session:
        events = list(await session.scalars(select(InboundEvent)))
        profiles = list(await session.scalars(select(Profile)))
        tagged = set(await session.scalars(select(ProfileTag.profile_id)))
        leads = list(await session.scalars(select(Lead)))
    messages = [event for event in events if event.msg_type in ("text", "voice")]
    today = now.astimezone(shanghai()).strftime("%m-%d")
    assert figures.days[-1] == today and len(figures.days) == DAYS
    assert figures.messages[-1] == len(messages) == 8
    assert figures.follows[-1] == sum(event.event == "subscribe" for event in events) == 3
    unanswered = [event for event in messages if event.rule in (None, *defaults)]
    assert figures.unanswered == len(unanswered)
    assert figures.answered == len(messages) - len(unanswered)
    assert figures.unanswered > 0 and figures.answered > 0
    people = {profile.id: profile for profile in profiles}
    assert dict(figures.funnel) == {
        "followers": sum(profile.merged_into_id is None for profile in profiles),
        "tagged": len(tagged),
        "qualified": len(leads),
        "claimed": sum(lead.claimed_at is not None for lead in leads),
        "won": sum(lead.state == "won" for lead in leads),
    }
    channels = Counter(lead.channel or people[lead.profile_id].first_channel for lead in leads)
    assert dict(figures.by_channel) == dict(channels)
    assert channels["spring_expo"] == 1  # the lead made before the scan counts under it
    assert dict(figures.by_owner) == dict(Counter(lead.owner for lead in leads))
    waits = [
        (lead.claimed_at - lead.created_at).total_seconds() for lead in leads if lead.claimed_at
    ]
    assert len(waits) == 1
    assert figures.median_claim == timedelta(seconds=statistics.median(waits))


async def test_coverage_counts_what_the_misses_page_counts(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _traffic(bot, player)
    now = utc_now()
    store = store_of_app(bot)
    report = await misses_report(store, bot.app[KEYWORD_TABLES].segmenter.cut, now, DAYS)
    figures = await dashboard_figures(
        bot.app[SESSIONS], bot.app[CACHE], now, DAYS, await default_rules(store)
    )
    assert figures.unanswered == report.missed == 3
    await add_user(bot, "mia", "manager")
    await sign_in(bot, "mia")
    dashboard = await (await bot.get(f"/admin/?days={DAYS}")).text()
    assert '<span hidden id="kpi-unanswered">3</span>' in dashboard
    misses = await (await bot.get(f"/admin/reports?days={DAYS}")).text()
    assert '<span class="muted" id="missed-count">3</span>' in misses
