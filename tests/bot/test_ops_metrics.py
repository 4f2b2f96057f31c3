"""The operator metrics: outbox depth and age, API failures by code, token refreshes."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.app import Background, create_app
from bot.app_keys import EFFECTS, OUTBOX_WORKER
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from tests.bot.helpers import BotClient, exchange
from tests.conftest import APP_ID, ClientFactory, ConfigWriter

CS_PATH = "/cgi-bin/message/custom/send"


async def samples(bot: BotClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, sorted labels)."""
    response = await bot.get("/metrics")
    assert response.status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


async def test_outbox_depth_age_failures_and_token_refreshes(
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> None:
    bot = await aiohttp_client(create_app(write_config(), background=Background.nothing()))
    fake_state.add_follower(APP_ID, "o_secret_openid")
    await exchange(bot, player, player.text("o_secret_openid", "我想试驾"))
    assert (await samples(bot))[("wxbot_effects_backlog", ())] == 1
    await bot.app[EFFECTS].drain()  # the sends are queued behind the reply
    before = await samples(bot)
    assert before[("wxbot_effects_backlog", ())] == 0
    send = ("kind", "wechat.custom_send")
    assert before[("wxbot_outbox_depth", (send,))] == 2
    assert before[("wxbot_outbox_oldest_seconds", (send,))] >= 0

    fake_state.inject(CS_PATH, errcode=45009)
    while await bot.app[OUTBOX_WORKER].run_once():
        pass
    after = await samples(bot)
    assert after[("wxbot_api_failures_total", (("errcode", "45009"), send))] == 1
    assert after[("wxbot_outbox_depth", (send,))] == 1  # the failed one waits for its retry
    refreshes = ("wxbot_token_refreshes_total", (("api", "official_account"), ("status", "200")))
    assert after[refreshes] == 1
    text = (await (await bot.get("/metrics")).text()).lower()
    assert "o_secret_openid" not in text and "试驾" not in text  # bounded labels only
