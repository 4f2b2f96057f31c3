"""Every menu event is a signal: stored, answered by click rules, and a source of tags."""

from __future__ import annotations

import pytest

from bot.testing.wechat_player import WeChatPlayer
from menus.model import ButtonType
from tests.bot.helpers import BotClient, exchange, stored_events, tags_of_all

EVENTS = [kind.event for kind in ButtonType if kind.event is not None]


def test_every_button_that_sends_an_event_is_covered() -> None:
    assert sorted(EVENTS) == sorted(
        ["click", "view", "view_miniprogram", "scancode_push", "scancode_waitmsg",
         "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select"]
    )  # fmt: skip


@pytest.mark.parametrize("event", EVENTS)
async def test_a_menu_event_is_stored_and_answered_like_a_click(
    bot: BotClient, player: WeChatPlayer, event: str
) -> None:
    reply = await exchange(bot, player, player.menu_tap("o_user", event, "MENU_PRICE"))
    assert reply["Content"] == "点击查看价格"
    [stored] = await stored_events(bot)
    assert (stored.event, stored.event_key, stored.rule) == (event, "MENU_PRICE", "menu_price")
    assert await tags_of_all(bot) == [("菜单:价格", "keyword:menu_price")]


async def test_a_view_event_carries_the_url_and_is_recorded_without_a_rule(
    bot: BotClient, player: WeChatPlayer
) -> None:
    reply = await exchange(bot, player, player.menu_tap("o_user", "view", "https://example.com/a"))
    assert reply == {}
    [stored] = await stored_events(bot)
    assert (stored.event, stored.event_key, stored.rule) == ("view", "https://example.com/a", None)
