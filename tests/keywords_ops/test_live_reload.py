"""A published table reaches the running bot within 2 s, without dropping a message."""

from __future__ import annotations

import asyncio
import time

from bot.app_keys import CACHE, KEYWORD_TABLES, SESSIONS, SETTINGS
from bot.ops.keyword_ops import KeywordStore
from bot.runtime.keyword_reload import KeywordReloader
from bot.testing.wechat_player import WeChatPlayer
from keywords.table_csv import format_table, parse_table
from storage.tables.keywords import NewVersion, publish_version
from tests.bot.helpers import BotClient, exchange
from tests.keywords_ops.tables import V1, V2

SWITCH_WITHIN_S = 2.0


async def ask(bot: BotClient, player: WeChatPlayer, text: str) -> str:
    return (await exchange(bot, player, player.text("o_reload", text)))["Content"]


async def wait_for_reply(bot: BotClient, player: WeChatPlayer, text: str, expected: str) -> float:
    """Seconds until `text` is answered with `expected` (fails after SWITCH_WITHIN_S)."""
    started = time.monotonic()
    while (answer := await ask(bot, player, text)) != expected:
        assert time.monotonic() - started < SWITCH_WITHIN_S, f"still answering {answer!r}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def store_of(bot: BotClient) -> KeywordStore:
    app = bot.app
    return KeywordStore(app[SETTINGS], app[SESSIONS], app[CACHE])


async def test_publish_switches_the_running_bot(bot: BotClient, player: WeChatPlayer) -> None:
    assert await ask(bot, player, "价格") == "我们的价格表：https://example.com/price"
    await store_of(bot).publish("main", parse_table(V2, "v2.csv"), "alice")
    await wait_for_reply(bot, player, "价格", "新的价格表")
    await store_of(bot).publish("main", parse_table(V1, "v1.csv"), "alice")
    await wait_for_reply(bot, player, "价格", "价格表在这里")


async def test_messages_during_a_publish_are_all_answered(
    bot: BotClient, player: WeChatPlayer
) -> None:
    async def burst() -> list[str]:
        return list(await asyncio.gather(*(ask(bot, player, "价格") for _ in range(20))))

    before, _, after = await asyncio.gather(
        burst(), store_of(bot).publish("main", parse_table(V2, "v2.csv"), "alice"), burst()
    )
    answers = set(before) | set(after)
    assert answers <= {"我们的价格表：https://example.com/price", "新的价格表"}
    assert len(before) + len(after) == 40


async def test_the_poll_catches_a_lost_notice(bot: BotClient) -> None:
    app = bot.app
    tables = app[KEYWORD_TABLES]
    reloader = KeywordReloader(app[SETTINGS], app[SESSIONS], app[CACHE], tables, poll_s=0.1)
    await reloader.start()
    try:
        # Stored without a notice, as if Redis had dropped it.
        version = await publish_version(
            app[SESSIONS],
            NewVersion("main", format_table(parse_table(V2, "v2").rules), 3, "alice", "x"),
        )
        started = time.monotonic()
        while tables.versions.get("main") != version.id:
            assert time.monotonic() - started < SWITCH_WITHIN_S
            await asyncio.sleep(0.05)
    finally:
        await reloader.stop()
    assert "invoice" in {rule.name for rule in tables.matcher_for("main").rules}
