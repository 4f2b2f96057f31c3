"""The official-account callback route, end to end over real HTTP and real crypto."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from bot.app import create_app
from bot.app_keys import CACHE, ENGINE
from bot.callbacks.limits import DEDUP_KEY
from bot.health import healthz
from bot.testing.wechat_player import Callback, WeChatPlayer
from storage.cache import open_cache
from storage.database import create_engine
from tests.bot.helpers import BotClient, exchange, send, stored_events, tags_of_all, total_score
from tests.conftest import AES_KEY, APP_ID, OLD_AES_KEY, TOKEN, ClientFactory, ConfigWriter


async def test_url_verification_echoes_echostr(bot: BotClient, player: WeChatPlayer) -> None:
    response = await bot.get("/wechat/main", params=player.url_check("4375120948345356249"))
    assert response.status == 200
    assert await response.text() == "4375120948345356249"


async def test_url_verification_with_bad_signature_is_refused(
    bot: BotClient, player: WeChatPlayer
) -> None:
    query = player.url_check("123")
    query["signature"] = "0" * 40
    response = await bot.get("/wechat/main", params=query)
    assert response.status == 403
    assert "123" not in await response.text()


async def test_unknown_account_is_404(bot: BotClient, player: WeChatPlayer) -> None:
    response = await bot.get("/wechat/nope", params=player.url_check("1"))
    assert response.status == 404


@pytest.mark.parametrize("aes", [False, True], ids=["plaintext", "safe-mode"])
async def test_text_message_is_answered_from_the_keyword_table(
    bot: BotClient, player: WeChatPlayer, aes: bool
) -> None:
    reply = await exchange(bot, player, player.text("o_user", "请问价格多少"), aes=aes)
    assert reply["Content"] == "我们的价格表：https://example.com/price"
    assert reply["ToUserName"] == "o_user"
    events = await stored_events(bot)
    assert [(e.openid, e.msg_type, e.content, e.rule) for e in events] == [
        ("o_user", "text", "请问价格多少", "price")
    ]


async def test_safe_mode_reply_is_encrypted(bot: BotClient, player: WeChatPlayer) -> None:
    callback = player.callback(player.text("o_user", "你好"), aes=True)
    status, answer = await send(bot, callback)
    assert status == 200
    assert "<Encrypt>" in answer and "你好呀" not in answer
    assert player.read_reply(callback, answer)["Content"] == "你好呀"


async def test_compatible_mode_body_is_answered_in_plaintext(
    bot: BotClient, player: WeChatPlayer
) -> None:
    plain = player.text("o_user", "你好")
    encrypted = player.callback(plain, aes=True)
    encrypt_element = encrypted.body.decode().split("<Encrypt>")[1].split("</Encrypt>")[0]
    body = plain.replace("</xml>", f"<Encrypt>{encrypt_element}</Encrypt></xml>")
    query = {k: v for k, v in encrypted.query.items() if k not in ("encrypt_type", "msg_signature")}
    status, answer = await send(bot, Callback(query, body.encode(), aes=False))
    assert status == 200
    assert "<Content><![CDATA[你好呀]]></Content>" in answer


async def test_previous_aes_key_still_decrypts_during_rotation(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    settings = write_config(aes_key=AES_KEY, previous_aes_key=OLD_AES_KEY)
    bot = await aiohttp_client(create_app(settings))
    old = WeChatPlayer(TOKEN, APP_ID, OLD_AES_KEY)
    new = WeChatPlayer(TOKEN, APP_ID, AES_KEY)
    status, _ = await send(bot, old.callback(old.text("o_user", "你好"), aes=True))
    assert status == 200
    assert (await exchange(bot, new, new.text("o_user", "你好"), aes=True))["Content"] == "你好呀"
    assert [e.content for e in await stored_events(bot)] == ["你好", "你好"]


async def test_a_key_that_is_neither_current_nor_previous_is_refused(
    bot: BotClient,
) -> None:
    stranger = WeChatPlayer(TOKEN, APP_ID, OLD_AES_KEY)
    status, answer = await send(bot, stranger.callback(stranger.text("o_user", "你好"), aes=True))
    assert status == 400
    assert "no key decrypts" in answer


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"signature": "f" * 40}, 403),
        ({"msg_signature": "f" * 40}, 403),
        ({"timestamp": "1000000000"}, 403),
        ({"timestamp": "soon"}, 403),
    ],
    ids=["signature", "msg_signature", "expired-timestamp", "non-numeric-timestamp"],
)
async def test_bad_signatures_and_stale_timestamps_are_refused(
    bot: BotClient, player: WeChatPlayer, change: dict[str, str], status: int
) -> None:
    callback = player.callback(player.text("o_user", "价格"), aes=True)
    tampered = Callback({**callback.query, **change}, callback.body, aes=True)
    assert (await send(bot, tampered))[0] == status
    assert await stored_events(bot) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<xml><ToUserName>", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>', "DOCTYPE"),
        (b"<xml>" + b"<a>x</a>" * 10_000 + b"</xml>", "body over"),
        (b"<notxml/>", "root element"),
        (b"<xml><ToUserName>a</ToUserName></xml>", "missing <FromUserName>"),
    ],
    ids=["broken", "doctype", "oversized", "wrong-root", "missing-field"],
)
async def test_bad_bodies_get_400_and_the_server_keeps_serving(
    bot: BotClient, player: WeChatPlayer, body: bytes, reason: str
) -> None:
    good = player.callback(player.text("o_user", "价格"))
    status, answer = await send(bot, Callback(good.query, body, aes=False))
    assert status == 400
    assert reason in answer
    assert (await exchange(bot, player, player.text("o_user", "价格")))["Content"]


async def test_a_retry_is_not_processed_twice_and_gets_the_same_reply(
    bot: BotClient, player: WeChatPlayer
) -> None:
    callback = player.callback(player.text("o_user", "价格", msg_id=42), aes=True)
    first = player.read_reply(callback, (await send(bot, callback))[1])
    retry = player.read_reply(callback, (await send(bot, callback))[1])
    assert first["Content"] == retry["Content"] == "我们的价格表：https://example.com/price"
    assert len(await stored_events(bot)) == 1
    assert await tags_of_all(bot) == [("询价", "keyword:price")]
    assert await total_score(bot) == 30


async def test_a_retry_the_cache_forgot_gets_the_reply_stored_with_the_event(
    bot: BotClient, player: WeChatPlayer
) -> None:
    callback = player.callback(player.text("o_user", "价格", msg_id=43), aes=True)
    first = player.read_reply(callback, (await send(bot, callback))[1])
    # As after a Redis restart or an expired mark: only the database remembers.
    await bot.app[CACHE].delete(f"{DEDUP_KEY}:main:m:o_user:43")
    retry = player.read_reply(callback, (await send(bot, callback))[1])
    assert retry["Content"] == first["Content"] == "我们的价格表：https://example.com/price"
    assert len(await stored_events(bot)) == 1
    assert await total_score(bot) == 30


async def test_concurrent_retries_store_once(bot: BotClient, player: WeChatPlayer) -> None:
    callback = player.callback(player.text("o_user", "价格", msg_id=7))
    results = await asyncio.gather(*(send(bot, callback) for _ in range(5)))
    assert all(status == 200 for status, _ in results)
    assert len(await stored_events(bot)) == 1
    assert await total_score(bot) == 30


async def test_same_msg_id_from_two_users_is_two_messages(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await exchange(bot, player, player.text("o_alice", "价格", msg_id=99))
    await exchange(bot, player, player.text("o_bob", "价格", msg_id=99))
    assert sorted(e.openid for e in await stored_events(bot)) == ["o_alice", "o_bob"]


async def test_events_in_the_same_second_are_distinct_per_user_and_event(
    bot: BotClient, player: WeChatPlayer
) -> None:
    second = 1_800_000_000
    for xml in (
        player.event("o_alice", "CLICK", "MENU_PRICE", create_time=second),
        player.event("o_bob", "CLICK", "MENU_PRICE", create_time=second),
        player.event("o_alice", "VIEW", "https://example.com", create_time=second),
        player.event("o_alice", "CLICK", "MENU_PRICE", create_time=second),  # a retry
    ):
        await exchange(bot, player, xml)
    events = await stored_events(bot)
    assert [(e.openid, e.event) for e in events] == [
        ("o_alice", "click"),
        ("o_bob", "click"),
        ("o_alice", "view"),
    ]


async def test_menu_click_replies_and_tags(bot: BotClient, player: WeChatPlayer) -> None:
    reply = await exchange(bot, player, player.event("o_user", "CLICK", "MENU_PRICE"))
    assert reply["Content"] == "点击查看价格"
    assert await tags_of_all(bot) == [("菜单:价格", "keyword:menu_price")]


async def test_follow_by_qr_scene_uses_the_scene_rule_and_sets_the_channel(
    bot: BotClient, player: WeChatPlayer
) -> None:
    reply = await exchange(bot, player, player.event("o_user", "subscribe", "qrscene_spring_expo"))
    assert reply["Content"] == "欢迎来自春季车展的朋友"
    events = await stored_events(bot)
    assert (events[0].event, events[0].event_key, events[0].rule) == (
        "subscribe",
        "spring_expo",
        "expo",
    )


async def test_plain_follow_gets_the_blank_subscribe_rule(
    bot: BotClient, player: WeChatPlayer
) -> None:
    reply = await exchange(bot, player, player.event("o_user", "subscribe"))
    assert reply["Content"] == "欢迎关注"


async def test_default_reply_goes_to_a_user_at_most_once_an_hour(
    bot: BotClient, player: WeChatPlayer
) -> None:
    first = await exchange(bot, player, player.text("o_user", "随便说点什么"))
    second = await exchange(bot, player, player.text("o_user", "还是听不懂吗"))
    other_user = await exchange(bot, player, player.text("o_other", "随便说点什么"))
    assert first["Content"].startswith("抱歉没听懂")
    assert second == {}
    assert other_user["Content"].startswith("抱歉没听懂")
    assert len(await stored_events(bot)) == 3


async def test_word_and_regex_rules(bot: BotClient, player: WeChatPlayer) -> None:
    phone = await exchange(bot, player, player.text("o_user", "我的电话13800138000"))
    assert phone["Content"] == "已收到您的电话"
    assert ("留资", "keyword:phone") in await tags_of_all(bot)


async def test_unsupported_message_types_are_stored_without_reply(
    bot: BotClient, player: WeChatPlayer
) -> None:
    xml = player.text("o_user", "x").replace(
        "<MsgType><![CDATA[text]]></MsgType>",
        "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>",
    )
    assert await exchange(bot, player, xml) == {}
    assert [e.msg_type for e in await stored_events(bot)] == ["image"]


async def test_healthz_reports_ok(bot: BotClient) -> None:
    response = await bot.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_healthz_names_each_failing_part(aiohttp_client: ClientFactory) -> None:
    # The real handler against services that truly do not answer (nothing listens on port 1).
    app = web.Application()
    app[ENGINE] = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    app[CACHE] = open_cache("redis://127.0.0.1:1/0")
    app.router.add_get("/healthz", healthz)
    client = await aiohttp_client(app)
    try:
        response = await client.get("/healthz")
        assert response.status == 503
        failing = (await response.json())["failing"]
        assert set(failing) == {"database", "cache"}
    finally:
        await app[ENGINE].dispose()
        await app[CACHE].close()


async def test_metrics_count_callbacks(bot: BotClient, player: WeChatPlayer) -> None:
    await exchange(bot, player, player.text("o_user", "价格"))
    metrics = await (await bot.get("/metrics")).text()
    assert 'wxbot_callbacks_total{account="main",outcome="accepted"} 1.0' in metrics
    assert 'wxbot_keyword_hits_total{account="main",rule="price"} 1.0' in metrics
