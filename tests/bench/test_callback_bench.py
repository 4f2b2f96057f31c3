"""The callback benchmark's own parts: its messages, its load clients, its durable ceiling,
and the peer it is compared with (WeRoBot)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from bench import callback_servers as srv
from bench import durable_baseline, wrk_client
from bench.workload import AES_KEY, APP_ID, MESSAGES, TOKEN, USERS, Workload
from bot.app import Background, create_app
from bot.config.settings import load_settings
from bot.testing.wechat_player import Callback, WeChatPlayer
from tests.conftest import ClientFactory

CLIENTS = ["python", *(["wrk"] if wrk_client.WRK else [])]


def test_workload_messages_are_distinct_and_decrypt_as_wechat_sends_them() -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    callbacks = list(Workload().callbacks(USERS + 50))
    messages = [
        parse_message(
            crypto.decrypt_message(
                c.body, c.query["msg_signature"], c.query["timestamp"], c.query["nonce"]
            )
        )
        for c in callbacks
    ]
    assert len({m.id for m in messages}) == len(callbacks)
    assert len({m.source for m in messages}) == USERS
    assert all(m.source == c.query["openid"] for m, c in zip(messages, callbacks, strict=True))


async def test_the_bot_answers_every_bench_message_with_the_price_rule(
    tmp_path: Path, aiohttp_client: ClientFactory
) -> None:
    config = srv.write_bot_config(tmp_path, 8080, f"sqlite+aiosqlite:///{tmp_path}/b.db", "")
    client = await aiohttp_client(
        create_app(load_settings(config, {}), background=Background.nothing())
    )
    player = WeChatPlayer(TOKEN, APP_ID, AES_KEY)
    for callback in Workload().callbacks(10):
        response = await client.post("/wechat/main", params=callback.query, data=callback.body)
        assert response.status == 200
        reply = player.read_reply(callback, await response.text())
        assert "价格表" in reply["Content"]  # bench/callback_keywords.csv, rule `price`


WRK_CONNECTIONS = 2


@pytest.mark.parametrize("client", CLIENTS)
async def test_load_clients_send_each_line_of_the_file_once(tmp_path: Path, client: str) -> None:
    seen: list[bytes] = []

    async def record(request: web.Request) -> web.Response:
        assert request.query["encrypt_type"] == "aes"
        seen.append(await request.read())
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post("/wechat/main", record)
    callbacks = list(Workload().callbacks(50))
    requests_file = tmp_path / "requests.txt"
    assert wrk_client.write_requests(requests_file, callbacks, "/wechat/main") == 50
    async with TestServer(app) as server:
        base = str(server.make_url(""))
        if client == "wrk":
            # Paced at 20 a second, so 1 s sends fewer than the 50 lines.
            result = await asyncio.to_thread(
                wrk_client.run_wrk,
                base,
                requests_file,
                50,
                seconds=1,
                connections=WRK_CONNECTIONS,
                rate=20,
            )
            assert 10 <= result.requests <= 30  # the send schedule held
        else:
            result = await wrk_client.run_python(base, "/wechat/main", callbacks, 4)
    assert result.errors == 0
    # wrk stops at its duration and counts only answered requests: one sent just before
    # the stop reaches the server uncounted, at most one per connection. The Python
    # client waits for every answer.
    in_flight_at_stop = len(seen) - result.requests
    assert result.requests > 0
    assert 0 <= in_flight_at_stop <= (WRK_CONNECTIONS if client == "wrk" else 0)
    assert len(set(seen)) == len(seen)  # no line replayed
    assert set(seen) <= {c.body for c in callbacks}


@pytest.mark.shared_services
async def test_the_durable_ceiling_stores_each_answered_message_once(
    database_url: str, redis_url: str, aiohttp_client: ClientFactory
) -> None:
    dsn = srv.asyncpg_dsn(database_url)
    client = await aiohttp_client(await durable_baseline.build(dsn, redis_url))
    player = WeChatPlayer(TOKEN, APP_ID, AES_KEY)
    callbacks = list(Workload().callbacks(40))

    async def send(callback: Callback) -> str:
        response = await client.post("/wechat/main", params=callback.query, data=callback.body)
        assert response.status == 200
        return await response.text()

    answers = await asyncio.gather(*(send(c) for c in callbacks))  # concurrent: shared batches
    replies = [player.read_reply(c, a) for c, a in zip(callbacks, answers, strict=True)]
    assert all(reply["Content"].startswith("收到") for reply in replies)
    assert await send(callbacks[0]) == "success"  # a retry is claimed already
    connection = await asyncpg.connect(dsn)
    try:
        stored = await connection.fetchval("SELECT count(*) FROM bench_durable_events")
        await connection.execute("DROP TABLE bench_durable_events")
    finally:
        await connection.close()
    assert stored == len(callbacks)


async def test_werobot_on_gunicorn_answers_the_bench_messages_in_safe_mode() -> None:
    # The peer of issue 23's comparison must do the work it is credited with: check the
    # signature, decrypt, reply and encrypt (a wrong key would answer errors, fast).
    port = srv.free_port()
    server = srv.start("werobot", ["bench.werobot_baseline", str(port), "1"], port)
    player = WeChatPlayer(TOKEN, APP_ID, AES_KEY)
    callbacks = list(Workload().callbacks(3))
    try:
        await srv.wait_until_up(server, "/wechat/main", timeout_s=30)
        async with aiohttp.ClientSession() as http:
            answers = []
            for callback in callbacks:
                async with http.post(
                    f"{server.url}/wechat/main", params=callback.query, data=callback.body
                ) as response:
                    answers.append(await response.text())
    finally:
        server.stop()
    asked = MESSAGES[: len(callbacks)]  # the workload's texts, in turn
    replies = [player.read_reply(c, a)["Content"] for c, a in zip(callbacks, answers, strict=True)]
    assert replies == [f"收到: {text}" for text in asked]
