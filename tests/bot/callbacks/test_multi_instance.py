"""Two bot instances behind one load balancer: a retry landing on the other is still a retry."""

from __future__ import annotations

import asyncio

from bot.app import create_app
from bot.testing.wechat_player import WeChatPlayer
from tests.bot.helpers import send, stored_events, total_score
from tests.conftest import ClientFactory, ConfigWriter


async def test_a_retry_on_another_instance_is_not_processed_twice(
    write_config: ConfigWriter, aiohttp_client: ClientFactory, player: WeChatPlayer
) -> None:
    settings = write_config()
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    callback = player.callback(player.text("o_user", "价格", msg_id=5), aes=True)
    answers = await asyncio.gather(
        send(first, callback), send(second, callback), send(first, callback)
    )
    assert all(status == 200 for status, _ in answers)
    assert len(await stored_events(first)) == 1
    assert await total_score(second) == 30
