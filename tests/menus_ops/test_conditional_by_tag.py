"""The conditional menu follows the tags wxbot gives: effects stage → tag sync → trymatch."""

from __future__ import annotations

import time

from bot.app import Background, create_app
from bot.config.settings import Settings
from bot.ops.menu_ops import MenuStore
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from menus.menu_file import parse_menu_text
from tests.bot.effects.tag_sync_helpers import drain
from tests.bot.helpers import BotClient, send
from tests.conftest import APP_ID, ClientFactory
from tests.menus_ops.menus import V1


async def _tap_price(bot: BotClient, player: WeChatPlayer, at: int) -> None:
    callback = player.callback(player.event("o_fan", "CLICK", "MENU_PRICE", create_time=at))
    assert (await send(bot, callback))[0] == 200


async def test_a_follower_the_bot_tagged_sees_the_conditional_menu(
    menu_settings: Settings,
    store: MenuStore,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    await store.publish("main", parse_menu_text(V1, "menu.toml"), "alice")
    bot = await aiohttp_client(create_app(menu_settings, background=Background.nothing()))
    now = int(time.time())
    for second in (now - 2, now - 1):
        await _tap_price(bot, player, second)
    await drain(bot.app)
    trial = await store.try_follower("main", "o_fan")
    assert trial.menu is not None and trial.menu.name == "default"
    await _tap_price(bot, player, now)  # the third tap in 7 days: the counter gives 高意向
    await drain(bot.app)
    trial = await store.try_follower("main", "o_fan")
    assert trial.menu is not None and trial.menu.name == "high_intent"
    assert [button.name for button in trial.buttons] == ["预约试驾", "价格"]
