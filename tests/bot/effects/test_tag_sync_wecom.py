"""OneID across the official account and WeCom: unionid look-up, corp tags, shared tokens."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import Background, create_app
from bot.app_keys import SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from storage.types import utc_now
from storage.wecom_contacts import link_external_contact
from tests.bot.effects.tag_sync_helpers import drain, tagging_config
from tests.bot.helpers import exchange, send
from tests.conftest import APP_ID, ClientFactory, ConfigWriter
from tests.tagging.events import profile_of

CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
CORP_SECRET = "test-corp-secret"
WECOM = f"""
[[wecom]]
name = "sales"
corp_id = "{CORP_ID}"
agent_id = {AGENT_ID}
secret = "{CORP_SECRET}"
token = "wecom-token"
encoding_aes_key = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
api_base = "{{fake_api}}"
"""
RULES = """
[touch]
first = "首触:{channel}"
"""


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    fake_state.add_corp(CORP_ID, {AGENT_ID: CORP_SECRET}, members={"zhangsan"})
    fake_state.add_external_contact("wm_1", "客户甲", followers=["zhangsan"], unionid="union-1")
    fake_state.add_follower(APP_ID, "o_fan", unionid="union-1")
    return fake_state


def _corp_tag_names(state: FakeWeChat) -> set[str]:
    ids = state.external_contacts["wm_1"].followers["zhangsan"]
    return {state.corp_tags[tag_id].name for tag_id in ids}


async def test_a_follower_and_a_wecom_customer_become_one_profile_with_corp_tags(
    write_config: ConfigWriter,
    tmp_path: Path,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> None:
    settings = write_config(extra=tagging_config(tmp_path, RULES) + WECOM)
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    await exchange(bot, player, player.event("o_fan", "subscribe", "qrscene_spring_expo"))
    await exchange(bot, player, player.text("o_fan", "价格多少"))
    await drain(bot.app)
    assert len(fake_state.calls_to("/cgi-bin/user/info")) == 1
    async with bot.app[SESSIONS].begin() as session:
        customer = await link_external_contact(
            session, "sales", "wm_1", at=utc_now(), unionid="union-1", staff_userid="zhangsan",
            state="store_qr",
        )  # fmt: skip
    assert customer == await profile_of(bot.app[SESSIONS], "o_fan")
    await drain(bot.app)
    assert {"询价", "首触:spring_expo"} <= _corp_tag_names(fake_state)
    groups = {tag.group_name for tag in fake_state.corp_tags.values()}
    assert groups == {"wxbot"}


@pytest.mark.shared_redis
async def test_two_bot_processes_share_one_token_on_redis(
    *,
    write_config: ConfigWriter,
    tmp_path: Path,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
    redis_url: str,
) -> None:
    assert redis_url, "deselected unless the Redis variant (see tests/conftest.py)"
    settings = write_config(extra=tagging_config(tmp_path))
    fake_state.add_follower(APP_ID, "o_two")
    first = await aiohttp_client(create_app(settings, background=Background.nothing()))
    second = await aiohttp_client(create_app(settings, background=Background.nothing()))
    assert first.app[SESSIONS] is not second.app[SESSIONS]
    await send(first, player.callback(player.text("o_fan", "价格多少")))
    await send(second, player.callback(player.text("o_two", "价格")))
    await asyncio.gather(drain(first.app), drain(second.app))
    tokens = fake_state.calls_to("/cgi-bin/stable_token")
    assert len(tokens) == 1
    members = fake_state.followers[(APP_ID, "o_fan")].tag_ids
    assert members == fake_state.followers[(APP_ID, "o_two")].tag_ids != []
