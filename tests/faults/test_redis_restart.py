"""A private redis-server SIGKILLed mid-load and restarted: nothing accepted is lost or doubled.

While Redis is down, callbacks get a fast 500 and never a 200 for a message not
stored; once it is back the bot recovers without a restart. The restarted Redis
is empty (no persistence): the database's unique key keeps retries single.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.app import Background, create_app
from bot.app_keys import SESSIONS
from bot.testing.wechat_player import Callback, WeChatPlayer
from storage.cache import open_cache
from tests.conftest import ClientFactory
from tests.faults.conftest import FaultConfig
from tests.faults.load import Load, stored_counts
from tests.faults.servers import PrivateRedis

pytestmark = [pytest.mark.private_redis, pytest.mark.timeout(90)]


async def test_a_redis_kill_loses_nothing_and_recovers_without_a_restart(
    fault_config: FaultConfig,
    private_redis: PrivateRedis,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    database_url: str,
) -> None:
    app = create_app(fault_config(database_url, private_redis.url), background=Background.nothing())
    client = await aiohttp_client(app)

    async def send(callback: Callback) -> int:
        response = await client.post("/wechat/main", params=callback.query, data=callback.body)
        await response.read()
        return response.status

    load = Load(player, send)
    running = asyncio.create_task(load.run())
    await asyncio.sleep(1.0)
    await asyncio.to_thread(private_redis.kill)
    killed_at = time.monotonic()
    await asyncio.sleep(1.0)
    restarting_at = time.monotonic()
    await asyncio.to_thread(private_redis.start)
    back_at = time.monotonic()
    await asyncio.sleep(2.0)
    load.stop()
    await asyncio.wait_for(running, 30)  # nothing hung

    down = [o for o in load.outcomes if killed_at + 0.1 < o.started and o.ended < restarting_at]
    assert down and all(o.status == 500 for o in down)  # refused, never a false 200
    assert all(o.ended - o.started < 2 for o in down)  # and refused fast
    after = [o for o in load.outcomes if o.started > back_at + 0.5]
    assert len(after) > 10
    assert [(o.msg_id, o.status, o.started - back_at) for o in after if o.status != 200] == []
    accepted = load.accepted()
    counts = await stored_counts(app[SESSIONS])
    assert {msg_id: counts.get(msg_id) for msg_id in accepted} == dict.fromkeys(accepted, 1)

    # WeChat retries what was refused; each is stored once, whatever the first try did.
    statuses = [await send(o.callback) for o in load.outcomes if o.status != 200]
    assert set(statuses) <= {200}
    counts = await stored_counts(app[SESSIONS])
    assert set(counts.values()) == {1}
    assert len(counts) == len({o.msg_id for o in load.outcomes})


async def test_a_subscription_survives_a_redis_restart(private_redis: PrivateRedis) -> None:
    publisher, subscriber = open_cache(private_redis.url), open_cache(private_redis.url)
    received: asyncio.Queue[str] = asyncio.Queue()

    async def listener(message: str) -> None:
        await received.put(message)

    unsubscribe = await subscriber.subscribe("wxbot:test", listener)
    try:
        await publisher.publish("wxbot:test", "before")
        assert await asyncio.wait_for(received.get(), 5) == "before"
        await asyncio.to_thread(private_redis.kill)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(private_redis.start)
        deadline = time.monotonic() + 10
        while received.empty() and time.monotonic() < deadline:
            # Published until the subscription is back: a notice sent while it
            # was reconnecting is lost (the 3 s database poll covers that).
            with contextlib.suppress(RedisConnectionError):
                await publisher.publish("wxbot:test", "after")
            await asyncio.sleep(0.2)
        assert await asyncio.wait_for(received.get(), 1) == "after"
    finally:
        await unsubscribe()
        await publisher.close()
        await subscriber.close()
