"""The durable ceiling: the bare aiohttp + wechatpy pipeline plus what durability costs at least.

Per callback: decrypt, parse, claim the MsgId (`SET NX`, the claims of concurrent
requests in one Redis pipeline), reply, append the event with its reply (the
appends of concurrent requests in one asyncpg `executemany`, one transaction),
and only then answer. Nothing else: it is the floor any durable bot pays, so
bench/callback.py prints wxbot's throughput against it.

    python -m bench.durable_baseline PORT POSTGRES_DSN REDIS_URL
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import redis.asyncio as redis
from aiohttp import web
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto

from bench.workload import AES_KEY, APP_ID, TOKEN

TABLE = """CREATE TABLE IF NOT EXISTS bench_durable_events (
    msg_id bigint PRIMARY KEY, openid text NOT NULL, content text NOT NULL,
    reply text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"""
INSERT = """INSERT INTO bench_durable_events (msg_id, openid, content, reply)
    VALUES ($1, $2, $3, $4) ON CONFLICT (msg_id) DO NOTHING"""
CLAIM_S = 300


class Batcher:
    """Items submitted while a flush runs go together in the next flush (group commit)."""

    def __init__(self, flush: Callable[[list[Any]], Awaitable[list[Any]]]) -> None:
        self._flush = flush
        self._waiting: list[tuple[Any, asyncio.Future[Any]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._flush([item for item, _ in batch])
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
            except Exception as exc:  # every waiter of the batch answers 500
                for _, future in batch:
                    future.set_exception(exc)
        self._task = None


async def build(dsn: str, redis_url: str) -> web.Application:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    db = await asyncpg.connect(dsn)
    await db.execute(TABLE)
    cache = redis.Redis.from_url(redis_url)

    async def claim(keys: list[str]) -> list[Any]:
        async with cache.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, 1, nx=True, ex=CLAIM_S)  # type: ignore[unused-awaitable]
            return list(await pipe.execute())

    async def append(rows: list[tuple[int, str, str, str]]) -> list[Any]:
        await db.executemany(INSERT, rows)  # one transaction for the whole batch
        return [None] * len(rows)

    claims, appends = Batcher(claim), Batcher(append)

    async def handle(request: web.Request) -> web.Response:
        query = request.query
        xml = crypto.decrypt_message(
            await request.read(), query["msg_signature"], query["timestamp"], query["nonce"]
        )
        message = parse_message(xml)
        if not await claims.submit(f"bench:claim:{message.id}"):
            return web.Response(text="success")  # a retry: the first attempt answers
        reply = create_reply(f"收到: {message.content}", message).render()
        await appends.submit((message.id, message.source, message.content, reply))
        return web.Response(
            text=crypto.encrypt_message(reply, query["nonce"], query["timestamp"]),
            content_type="application/xml",
        )

    async def close(_: web.Application) -> None:
        await db.close()
        await cache.aclose()

    app = web.Application()
    app.router.add_post("/wechat/main", handle)
    app.on_cleanup.append(close)
    return app


if __name__ == "__main__":
    port, dsn, redis_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    web.run_app(build(dsn, redis_url), host="127.0.0.1", port=port, print=None, access_log=None)
