"""Voice messages: WeChat's speech recognition (`<Recognition>`) answers like typed text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.callbacks.wechat_xml import to_inbound
from bot.testing.wechat_player import WeChatPlayer
from tests.bot.helpers import BotClient, exchange, stored_events
from tests.conftest import APP_ID, TOKEN


@pytest.mark.parametrize(
    ("spoken", "reply", "rule"),
    [
        ("价格多少", "我们的价格表：https://example.com/price", "price"),
        ("你好。", "你好呀", "hello"),  # an exact rule, despite the recognizer's full stop
        ("我电话13800138000！", "已收到您的电话", "phone"),
    ],
)
async def test_a_recognised_voice_message_matches_like_the_same_text(
    bot: BotClient, player: WeChatPlayer, spoken: str, reply: str, rule: str
) -> None:
    fields = await exchange(bot, player, player.voice("o_fan", spoken), aes=True)
    assert fields["Content"] == reply
    [event] = await stored_events(bot)
    assert (event.msg_type, event.content, event.rule) == ("voice", spoken, rule)


async def test_a_voice_message_without_recognition_gets_the_default_reply(
    bot: BotClient, player: WeChatPlayer
) -> None:
    fields = await exchange(bot, player, player.voice("o_fan", ""))
    assert fields["Content"].startswith("抱歉没听懂")


@settings(max_examples=50, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_recognition_is_the_content_of_a_parsed_voice_message(spoken: str) -> None:
    player = WeChatPlayer(TOKEN, APP_ID)
    inbound = to_inbound("main", player.voice("o_fan", spoken))
    assert inbound.msg_type == "voice"
    # xmltodict trims the text and reads an empty element as absent.
    assert (inbound.content or "") == spoken.strip()
