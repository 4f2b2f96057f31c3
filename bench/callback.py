"""Throughput and latency of encrypted callbacks: wxbot against a bare and a durable baseline.

wrk (bench/replay.lua) replays distinct encrypted text messages from 6 000
followers, each hitting a keyword rule with tags and points, against: the bare
aiohttp + wechatpy pipeline (no storage); bench/durable_baseline.py (the bare
pipeline plus a pipelined claim and a group-committed append: the ceiling of a
durable bot); and `wxbot serve` with 1 and 2 processes. It prints msg/s, p50,
p99, the ratios, the effects backlog's drain time, the consumer alone on a
prepared backlog, CPU µs per message per process, RSS/PSS per serving process
and p99 at 80 % of saturation, next to the targets of issue 10.

    python -m bench.callback                       # embedded SQLite + in-process cache, 1 process
    python -m bench.callback --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
                             --redis-url redis://127.0.0.1:6379/15
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from aiohttp import web
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto

from bench import callback_stages as stages
from bench.workload import AES_KEY, APP_ID, TOKEN
from bot.app import Background, create_app
from bot.config.settings import load_settings
from bot.runtime.heap import settle_after_startup
from storage.database import upgrade_schema_blocking


def serve_baseline(port: int) -> None:
    """The bare aiohttp + wechatpy pipeline: decrypt, parse, reply, encrypt."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    async def handle(request: web.Request) -> web.Response:
        query = request.query
        body = await request.read()
        xml = crypto.decrypt_message(
            body, query["msg_signature"], query["timestamp"], query["nonce"]
        )
        message = parse_message(xml)
        reply = create_reply(f"收到: {message.content}", message).render()
        return web.Response(
            text=crypto.encrypt_message(reply, query["nonce"], query["timestamp"]),
            content_type="application/xml",
        )

    app = web.Application()
    app.router.add_post("/wechat/main", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def serve_append_only(config: Path) -> None:
    """wxbot's app with no background work: requests append events that nobody applies."""
    settings = load_settings(config, os.environ)
    upgrade_schema_blocking(settings.storage.database_url)
    app = create_app(settings, background=Background.nothing())
    app.on_startup.append(_settle_heap)  # after the lifespan's startup, as `wxbot serve` does
    server = settings.server
    web.run_app(app, host=server.host, port=server.port, print=None, access_log=None)


async def _settle_heap(_: web.Application) -> None:
    settle_after_startup()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="each measured wrk run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each throughput figure")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--min-distinct", type=int, default=30000, help="distinct messages a run")
    parser.add_argument("--python-client", action="store_true", help="use the Python client")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (bench_<pid> on it)")
    parser.add_argument("--redis-url", default="", help="a spare Redis DB (its wxbot: keys go)")
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-append-only", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.serve_baseline:
        serve_baseline(args.serve_baseline)
    elif args.serve_append_only:
        serve_append_only(args.serve_append_only)
    else:
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(stages.run_all(args, Path(directory)))


if __name__ == "__main__":
    main(sys.argv[1:])
