"""Replayed callback URLs and plaintext on a safe-mode account, over real HTTP."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.callbacks.crypto import signature_of
from bot.testing.wechat_player import Callback, WeChatPlayer
from tests.bot.helpers import BotClient, send, stored_events
from tests.conftest import TOKEN, ClientFactory, ConfigWriter


def _forged(original: Callback, xml: str) -> Callback:
    """The captured (signed) URL with another body, as an eavesdropper would post it."""
    return Callback(original.query, xml.encode(), aes=False)


async def test_a_captured_plaintext_url_with_another_body_is_refused(
    bot: BotClient, player: WeChatPlayer
) -> None:
    genuine = player.callback(player.text("o_user", "价格"))
    assert (await send(bot, genuine))[0] == 200
    status, reason = await send(bot, _forged(genuine, player.text("o_attacker", "我想试驾")))
    assert (status, "replay" in reason) == (403, True)
    assert [e.openid for e in await stored_events(bot)] == ["o_user"]


async def test_a_forged_body_first_then_the_genuine_one_keeps_the_first_only(
    bot: BotClient, player: WeChatPlayer
) -> None:
    # Whichever body came first owns the nonce; the second is refused either way.
    genuine = player.callback(player.text("o_user", "价格"))
    assert (await send(bot, _forged(genuine, player.text("o_other", "你好"))))[0] == 200
    assert (await send(bot, genuine))[0] == 403
    assert [e.openid for e in await stored_events(bot)] == ["o_other"]


async def test_an_identical_resend_is_a_retry_with_the_same_reply(
    bot: BotClient, player: WeChatPlayer
) -> None:
    callback = player.callback(player.text("o_user", "价格"), aes=True)
    first = await send(bot, callback)
    again = await send(bot, callback)
    assert first[0] == again[0] == 200
    assert player.read_reply(callback, first[1]) == player.read_reply(callback, again[1])
    assert len(await stored_events(bot)) == 1


@pytest.mark.shared_redis
async def test_nonces_are_shared_across_processes_through_redis(
    write_config: ConfigWriter, aiohttp_client: ClientFactory, player: WeChatPlayer
) -> None:
    settings = write_config()
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    genuine = player.callback(player.text("o_user", "价格"))
    assert (await send(first, genuine))[0] == 200
    assert (await send(second, _forged(genuine, player.text("o_x", "你好"))))[0] == 403
    assert (await send(second, genuine))[0] == 200  # the identical resend is a retry
    assert len(await stored_events(first)) == 1


@pytest.mark.parametrize("nonce", ["", "n" * 65, "ñonce"], ids=["empty", "long", "non-ascii"])
async def test_a_missing_or_absurd_nonce_is_refused(
    bot: BotClient, player: WeChatPlayer, nonce: str
) -> None:
    callback = player.callback(player.text("o_user", "价格"))
    query = {
        **callback.query,
        "nonce": nonce,
        "signature": signature_of(TOKEN, callback.query["timestamp"], nonce),
    }
    assert (await send(bot, Callback(query, callback.body, aes=False)))[0] == 400
    assert await stored_events(bot) == []


@pytest.fixture
async def strict_bot(write_config: ConfigWriter, aiohttp_client: ClientFactory) -> BotClient:
    """An account with a key and no `require_encryption` line: the default applies."""
    return await aiohttp_client(create_app(write_config(require_encryption=None)))


async def test_plaintext_is_refused_on_an_account_in_safe_mode(
    strict_bot: BotClient, player: WeChatPlayer
) -> None:
    status, reason = await send(strict_bot, player.callback(player.text("o_user", "价格")))
    assert (status, "requires AES" in reason) == (403, True)
    assert await stored_events(strict_bot) == []


async def test_a_safe_mode_url_stripped_of_its_encryption_is_refused(
    strict_bot: BotClient, player: WeChatPlayer
) -> None:
    encrypted = player.callback(player.text("o_user", "价格"), aes=True)
    query = {k: v for k, v in encrypted.query.items() if k not in ("encrypt_type", "msg_signature")}
    forged = player.text("o_attacker", "我想试驾")
    assert (await send(strict_bot, Callback(query, forged.encode(), aes=False)))[0] == 403
    assert await stored_events(strict_bot) == []


async def test_safe_mode_still_works_when_encryption_is_required(
    strict_bot: BotClient, player: WeChatPlayer
) -> None:
    callback = player.callback(player.text("o_user", "价格"), aes=True)
    status, answer = await send(strict_bot, callback)
    assert status == 200
    assert player.read_reply(callback, answer)["Content"].startswith("我们的价格表")


async def test_compatible_mode_still_works_and_trusts_only_the_encrypted_copy(
    strict_bot: BotClient, player: WeChatPlayer
) -> None:
    # Compatible mode: the body carries plaintext fields and <Encrypt>, the URL is signed
    # for AES. The plaintext copy is not covered by msg_signature, so it is ignored.
    encrypted = player.callback(player.text("o_user", "价格"), aes=True)
    element = encrypted.body.decode().split("<Encrypt>")[1].split("</Encrypt>")[0]
    lying_plain = player.text("o_attacker", "我想试驾")
    body = lying_plain.replace("</xml>", f"<Encrypt>{element}</Encrypt></xml>")
    status, answer = await send(strict_bot, Callback(encrypted.query, body.encode(), aes=True))
    assert status == 200
    assert player.read_reply(encrypted, answer)["Content"].startswith("我们的价格表")
    assert [e.openid for e in await stored_events(strict_bot)] == ["o_user"]


async def test_a_captured_safe_mode_url_signs_its_own_body_only(
    bot: BotClient, player: WeChatPlayer
) -> None:
    # msg_signature covers <Encrypt>: another genuine ciphertext under the captured
    # URL is refused by its signature, and claims nothing: the genuine callback that
    # comes after it is answered, and its identical resend is a retry.
    genuine = player.callback(player.text("o_user", "价格"), aes=True)
    other = player.callback(player.text("o_attacker", "我想试驾"), aes=True)
    status, reason = await send(bot, Callback(genuine.query, other.body, aes=True))
    assert (status, "signature" in reason) == (403, True)
    assert (await send(bot, genuine))[0] == (await send(bot, genuine))[0] == 200
    assert [e.openid for e in await stored_events(bot)] == ["o_user"]
