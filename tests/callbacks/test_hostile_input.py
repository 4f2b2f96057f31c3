"""Hostile requests against the OA edge: each refused precisely, fast, and nothing stored.

(Replays are in test_replay.py, malformed values in test_malformed_values.py, slow
and held connections in tests/bot/test_http_limits.py.)
"""

from __future__ import annotations

import base64
import os
import struct
import time
from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.callbacks.crypto import signature_of
from bot.testing.wechat_player import Callback, WeChatPlayer
from tests.bot.helpers import BotClient, exchange, send, stored_events
from tests.conftest import AES_KEY, APP_ID, TOKEN

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]><xml><ToUserName>&lol9;</ToUserName></xml>"
)
EXTERNAL_ENTITY = (
    b'<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<xml><ToUserName>a</ToUserName><FromUserName>&xxe;</FromUserName>"
    b"<CreateTime>1</CreateTime><MsgType>text</MsgType></xml>"
)
PARAMETER_ENTITY = b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><xml/>'


async def _still_serving(bot: BotClient, player: WeChatPlayer) -> None:
    assert (await exchange(bot, player, player.text("o_user", "价格")))["Content"]


@pytest.mark.parametrize(
    "change",
    [
        {"signature": ""},
        {"signature": None},
        {"nonce": None},
        {"timestamp": None},
        "last-hex-digit",
        "uppercase",
        "timestamp+1",
    ],
    ids=["empty", "missing", "no-nonce", "no-timestamp", "one-off", "uppercase", "moved-ts"],
)
async def test_forged_missing_and_one_off_signatures_are_403(
    bot: BotClient, player: WeChatPlayer, change: dict[str, str | None] | str
) -> None:
    callback = player.callback(player.text("o_user", "价格"))
    query: dict[str, str] = dict(callback.query)
    if change == "last-hex-digit":
        last = query["signature"][-1]
        query["signature"] = query["signature"][:-1] + ("0" if last != "0" else "1")
    elif change == "uppercase":
        query["signature"] = query["signature"].upper()
    elif change == "timestamp+1":
        query["timestamp"] = str(int(query["timestamp"]) + 1)
    else:
        assert isinstance(change, dict)
        for key, value in change.items():
            if value is None:
                query.pop(key)
            else:
                query[key] = value
    status, _ = await send(bot, Callback(query, callback.body, aes=False))
    assert status == 403
    assert await stored_events(bot) == []


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
async def test_bombs_and_entities_are_refused_in_milliseconds(
    bot: BotClient, player: WeChatPlayer, body: bytes
) -> None:
    signed = player.callback(player.text("o_user", "x"))
    started = time.perf_counter()
    status, reason = await send(bot, Callback(signed.query, body, aes=False))
    assert (status, "DOCTYPE" in reason) == (400, True)
    assert time.perf_counter() - started < 0.5
    assert await stored_events(bot) == []
    await _still_serving(bot, player)


def _seal(inner: bytes) -> str:
    """WeChat's AES envelope of raw bytes (wechatpy's encrypt takes text, so not via it)."""
    key = base64.b64decode(AES_KEY + "=")
    plain = os.urandom(16) + struct.pack(">I", len(inner)) + inner + APP_ID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _encrypted(player: WeChatPlayer, inner: bytes) -> Callback:
    """A correctly signed safe-mode callback whose decrypted payload is `inner`."""
    template = player.callback(player.text("o_user", "x"), aes=True)
    encrypted = _seal(inner)
    query = dict(template.query)
    query["msg_signature"] = signature_of(TOKEN, query["timestamp"], query["nonce"], encrypted)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypted}</Encrypt></xml>".encode()
    return Callback(query, body, aes=True)


@pytest.mark.parametrize(
    "inner",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, b"<notxml/>", b"<xml><a>", b"\xff\xfe<xml/>"],
    ids=["billion-laughs", "external-entity", "wrong-root", "broken", "invalid-utf8"],
)
async def test_hostile_xml_inside_aes_is_refused(
    bot: BotClient, player: WeChatPlayer, inner: bytes
) -> None:
    status, _ = await send(bot, _encrypted(player, inner))
    assert status == 400
    assert await stored_events(bot) == []


async def test_invalid_utf8_is_400_in_plaintext_and_inside_aes(
    bot: BotClient, player: WeChatPlayer
) -> None:
    xml = player.text("o_user", "价格").encode().replace("价格".encode(), b"\xff\xfe\xc3")
    signed = player.callback(player.text("o_user", "x"))
    assert (await send(bot, Callback(signed.query, xml, aes=False)))[0] == 400
    assert (await send(bot, _encrypted(player, xml)))[0] == 400
    assert await stored_events(bot) == []
    await _still_serving(bot, player)


async def test_a_lying_content_length_is_refused_before_reading(
    bot: BotClient, player: WeChatPlayer
) -> None:
    callback = player.callback(player.text("o_user", "价格"))
    response = await bot.post(
        "/wechat/main",
        params=callback.query,
        data=callback.body,
        headers={"Content-Length": str(10 * 1024 * 1024)},
    )
    assert response.status == 400
    assert await stored_events(bot) == []


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_chunked_body_is_read_and_an_oversized_one_refused(
    bot: BotClient, player: WeChatPlayer
) -> None:
    callback = player.callback(player.text("o_user", "价格"))
    response = await bot.post("/wechat/main", params=callback.query, data=_chunks(callback.body, 7))
    assert response.status == 200  # chunked transfer encoding, no Content-Length
    big = player.callback(player.text("o_user", "价格" + "x" * 70_000))
    response = await bot.post("/wechat/main", params=big.query, data=_chunks(big.body, 4096))
    assert (response.status, "body over" in await response.text()) == (400, True)
    assert len(await stored_events(bot)) == 1


async def test_deep_nesting_is_refused_fast(bot: BotClient, player: WeChatPlayer) -> None:
    signed = player.callback(player.text("o_user", "x"))
    body = b"<xml>" + b"<a>" * 8000 + b"</a>" * 8000 + b"</xml>"
    started = time.perf_counter()
    status, reason = await send(bot, Callback(signed.query, body, aes=False))
    assert (status, reason) == (400, "elements nested deeper than 8")
    assert time.perf_counter() - started < 0.5


async def test_thousands_of_extra_fields_are_accepted_and_ignored(
    bot: BotClient, player: WeChatPlayer
) -> None:
    extra = "".join(f"<F{n}>v</F{n}>" for n in range(3000))
    xml = player.text("o_user", "价格").replace("</xml>", extra + "</xml>")
    started = time.perf_counter()
    reply = await exchange(bot, player, xml)
    assert reply["Content"].startswith("我们的价格表")
    assert time.perf_counter() - started < 2.0
    assert len(await stored_events(bot)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE inbound_events; --",
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">&amp;&lt;',
        "]]><xml>injected</xml><![CDATA[",
        "\\x00 %s %n {0} ${jndi:ldap://x}",
    ],
    ids=["sql", "script", "html", "cdata-break", "format-strings"],
)
async def test_injection_looking_text_is_stored_byte_for_byte(
    bot: BotClient, player: WeChatPlayer, text: str
) -> None:
    await exchange(bot, player, player.text("o_user", text))
    assert [event.content for event in await stored_events(bot)] == [text]


async def test_an_element_inside_a_text_field_is_400(bot: BotClient, player: WeChatPlayer) -> None:
    xml = player.event("o_user", "subscribe", "qrscene_x").replace(
        "<EventKey><![CDATA[qrscene_x]]></EventKey>", "<EventKey>q<Inner/>r</EventKey>"
    )
    assert "<Inner/>" in xml
    status, reason = await send(bot, player.callback(xml))
    assert (status, reason) == (400, "<EventKey> must be text")
    assert await stored_events(bot) == []
