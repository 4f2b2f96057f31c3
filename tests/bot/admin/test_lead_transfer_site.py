"""The lead page shows where the lead's WeCom customer transfer stands, in words."""

from __future__ import annotations

import re

import pytest

from bot.app import create_app
from bot.app_keys import SESSIONS
from bot.config.settings import Settings
from storage import leads_repo
from storage.identities import resolve_profile
from storage.lead_models import Lead
from storage.team.transfers import queue_transfers, set_states
from storage.types import utc_now
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import LEADS_TOML


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config, extra=LEADS_TOML)


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


async def _lead_with_transfer(bot: BotClient, state: str) -> int:
    now = utc_now()
    async with bot.app[SESSIONS].begin() as session:
        profile = await resolve_profile(session, "openid", "main", "o_moved", now)
        lead = Lead(profile_id=profile, state="contacting", owner="lisi", active_at=now,
                    external_userid="wmMoved")  # fmt: skip
        session.add(lead)
        await session.flush()
        [row] = await queue_transfers(
            session, 3, "zhangsan", [(lead.id, "lisi", "wmMoved")], employed=True, now=now
        )
        await set_states(session, {row.id: (state, None)}, now=now)
        if state == "refused":
            await leads_repo.add_event(session, lead, "customer_transfer_failed", "system", now,
                                       detail="refused wmMoved zhangsan→lisi")  # fmt: skip
        return lead.id


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_a_refused_transfer_shows_its_state_the_task_and_the_timeline(
    bot: BotClient,
) -> None:
    lead_id = await _lead_with_transfer(bot, "refused")
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    response = await bot.get(f"/admin/leads/{lead_id}")
    assert response.status == 200
    html = await response.text()
    fact = _text(html.split('id="customer-transfer"', 1)[1].split("</dd>", 1)[0])
    assert "客户拒绝" in fact and "张三 → 李四" in fact
    assert "请客户添加新负责人" in fact
    timeline = _text(html.split('id="timeline"', 1)[1])
    assert "企业微信客户转接失败" in timeline and "客户拒绝 · 张三 → 李四" in timeline


async def test_a_waiting_transfer_is_not_a_task(bot: BotClient) -> None:
    lead_id = await _lead_with_transfer(bot, "waiting")
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    html = await (await bot.get(f"/admin/leads/{lead_id}")).text()
    fact = _text(html.split('id="customer-transfer"', 1)[1].split("</dd>", 1)[0])
    assert "等待企业微信24小时后接替" in fact
    assert 'id="transfer-task"' not in html
