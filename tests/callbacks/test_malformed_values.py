"""Signed but malformed values are a 400 with the reason, never a 500, on the OA edge."""

from __future__ import annotations

import pytest

from bot.callbacks.crypto import signature_of
from bot.testing.wechat_player import Callback, WeChatPlayer
from tests.bot.helpers import BotClient, exchange, send, stored_events
from tests.conftest import TOKEN

NOW = "{now}"


def _xml(**fields: str) -> str:
    base = {
        "ToUserName": "gh_wxbot_demo",
        "FromUserName": "o_user",
        "CreateTime": NOW,
        "MsgType": "text",
        "Content": "价格",
        "MsgId": "42",
    }
    base.update(fields)
    return "<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in base.items()) + "</xml>"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"CreateTime": "²"}, "<CreateTime> must be ASCII digits"),
        ({"CreateTime": "١٢٣"}, "<CreateTime> must be ASCII digits"),
        ({"CreateTime": "1" + "0" * 20}, "<CreateTime> must be ASCII digits"),
        ({"CreateTime": "9" * 12}, "<CreateTime> must be at most"),
        ({"CreateTime": "-5"}, "<CreateTime> must be ASCII digits"),
        ({"MsgId": "²"}, "<MsgId> must be ASCII digits"),
        ({"MsgId": str(2**63)}, "<MsgId> must be at most"),
        ({"MsgId": "12abc"}, "<MsgId> must be ASCII digits"),
        ({"FromUserName": "o" * 129}, "<FromUserName> is longer than 128"),
        ({"ToUserName": "g" * 129}, "<ToUserName> is longer than 128"),
        ({"MsgType": "t" * 33}, "<MsgType> is longer than 32"),
        ({"MsgType": "event", "Event": "e" * 65}, "<Event> is longer than 64"),
        ({"MsgType": ""}, "missing <MsgType>"),
    ],
    ids=lambda value: str(value)[:24],
)
async def test_a_signed_malformed_value_is_a_400_with_the_reason(
    bot: BotClient, player: WeChatPlayer, fields: dict[str, str], reason: str, aes: bool
) -> None:
    now = player.callback(player.text("o_user", "x")).query["timestamp"]
    values = {k: v.replace(NOW, now) for k, v in fields.items()}
    callback = player.callback(_xml(**values).replace(NOW, now), aes=aes)
    status, answer = await send(bot, callback)
    assert status == 400
    assert reason in answer
    assert await stored_events(bot) == []
    assert (await exchange(bot, player, player.text("o_user", "价格")))["Content"]


@pytest.fixture(params=[False, True], ids=["plaintext", "safe-mode"])
def aes(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


async def test_the_largest_values_that_fit_are_stored(bot: BotClient, player: WeChatPlayer) -> None:
    now = player.callback(player.text("o_user", "x")).query["timestamp"]
    openid = "o" * 128
    xml = _xml(FromUserName=openid, MsgId=str(2**63 - 1), CreateTime=now)
    status, _ = await send(bot, player.callback(xml))
    assert status == 200
    assert [(e.openid, e.msg_id) for e in await stored_events(bot)] == [(openid, 2**63 - 1)]


@pytest.mark.parametrize(
    ("timestamp", "status"),
    [("²", 400), ("١٢٣٤٥٦٧٨٩٠", 400), ("9" * 5000, 400), ("1" + "0" * 19, 400), ("", 400)],
    ids=["superscript", "arabic-indic", "5000-digits", "10e19", "empty"],
)
async def test_a_signed_malformed_timestamp_is_a_400(
    bot: BotClient, player: WeChatPlayer, timestamp: str, status: int
) -> None:
    callback = player.callback(player.text("o_user", "价格"))
    nonce = callback.query["nonce"]
    query = {
        **callback.query,
        "timestamp": timestamp,
        "signature": signature_of(TOKEN, timestamp, nonce),
    }
    assert (await send(bot, Callback(query, callback.body, aes=False)))[0] == status
    assert await stored_events(bot) == []


async def test_an_event_key_of_any_length_is_stored_once(
    bot: BotClient, player: WeChatPlayer
) -> None:
    # A VIEW event's key is the menu's URL; the dedup key must still fit its column.
    url = "https://example.com/landing?" + "&".join(f"utm_{n}=v{n}" for n in range(120))
    xml = player.event("o_" + "u" * 120, "VIEW", url)
    for _ in range(2):  # WeChat's retry of the same event
        status, _ = await send(bot, player.callback(xml))
        assert status == 200
    [event] = await stored_events(bot)
    assert event.event_key == url and len(url) > 1000
    assert len(event.dedup_key) <= 300
