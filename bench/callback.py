"""Throughput and latency of encrypted callbacks: the full bot path against a bare baseline.

The full path is verify, decrypt, dedup, store, match, reply and encrypt, through
`wxbot serve`. The baseline is a bare aiohttp handler doing only what wechatpy
does (signature, decrypt, parse, reply, encrypt). Each server runs in its own
process; this process only sends pre-built callbacks, so both are measured alike.
On Linux it also prints the CPU time each process spent per message (the
client, the server, and the machine's PostgreSQL and Redis servers): on a small
machine the cores, not the network, set the ceiling, and this shows who used them.

    python -m bench.callback                       # embedded default (SQLite, in-process cache)
    python -m bench.callback --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
                             --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto

from bot.testing.wechat_player import Callback, WeChatPlayer

TOKEN = "bench-token"
APP_ID = "wxbench000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MESSAGES = ("请问价格多少", "我想预约试驾", "你们地址在哪", "随便聊聊", "你好")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_baseline(port: int) -> None:
    """The bare aiohttp + wechatpy echo handler."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    async def handle(request: web.Request) -> web.Response:
        query = request.query
        body = await request.read()
        xml = crypto.decrypt_message(
            body, query["msg_signature"], query["timestamp"], query["nonce"]
        )
        message = parse_message(xml)
        reply = create_reply(f"echo: {message.content}", message).render()
        return web.Response(
            text=crypto.encrypt_message(reply, query["nonce"], query["timestamp"]),
            content_type="application/xml",
        )

    app = web.Application()
    app.router.add_post("/wechat/main", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _write_bot_config(directory: Path, port: int, database_url: str, redis_url: str) -> Path:
    keywords = Path(__file__).resolve().parent.parent / "keywords" / "demo.csv"
    config = directory / "bench.toml"
    config.write_text(
        f"""
[server]
host = "127.0.0.1"
port = {port}
mount_fake_api = true
[storage]
database_url = "{database_url}"
redis_url = "{redis_url}"
[[wechat]]
name = "main"
app_id = "{APP_ID}"
app_secret = "bench-secret"
token = "{TOKEN}"
encoding_aes_key = "{AES_KEY}"
api_base = "http://127.0.0.1:{port}/_fake"
keywords = "{keywords}"
""",
        encoding="utf-8",
    )
    return config


async def _wait_until_up(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def _callbacks(count: int, run: str) -> list[Callback]:
    player = WeChatPlayer(TOKEN, APP_ID, AES_KEY)
    return [
        player.callback(
            player.text(f"o_{run}_{n % 500}", MESSAGES[n % len(MESSAGES)], msg_id=n), aes=True
        )
        for n in range(count)
    ]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of `pids` from /proc (0 for a process that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _pids_named(name: str) -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == name:
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


class CpuMeter:
    """CPU seconds per message of each process taking part, over one measured run."""

    def __init__(self, server_pid: int) -> None:
        self._groups = {
            "client": [os.getpid()],
            "server": [server_pid],
            "postgres": _pids_named("postgres"),
            "redis": _pids_named("redis-server"),
        }
        self._start = self._read()

    def _read(self) -> dict[str, float]:
        return {name: _cpu_seconds(pids) for name, pids in self._groups.items()}

    def per_message_us(self, count: int) -> str:
        end = self._read()
        return "   ".join(
            f"{name} {(end[name] - self._start[name]) / count * 1e6:5.0f}" for name in self._groups
        )


async def _load(url: str, callbacks: list[Callback], concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = iter(callbacks)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def worker() -> None:
            for callback in queue:
                started = time.perf_counter()
                async with session.post(url, params=callback.query, data=callback.body) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"HTTP {resp.status} from {url}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(callbacks) / elapsed, latencies


def _report(name: str, throughput: float, latencies: list[float]) -> None:
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<10} {throughput:8.0f} msg/s   p50 {quantiles[49] * 1000:6.2f} ms"
        f"   p99 {quantiles[98] * 1000:6.2f} ms"
    )


async def _measure(
    url: str, count: int, concurrency: int, run: str, server_pid: int
) -> tuple[float, list[float], str]:
    await _load(url, _callbacks(min(200, count), f"warm{run}"), concurrency)
    callbacks = _callbacks(count, run)
    meter = CpuMeter(server_pid) if Path("/proc/self/stat").exists() else None
    throughput, latencies = await _load(url, callbacks, concurrency)
    cpu = meter.per_message_us(count) if meter else "(needs Linux /proc)"
    return throughput, latencies, cpu


async def main(args: argparse.Namespace) -> None:
    bot_port, base_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as directory:
        database_url = args.database_url or f"sqlite+aiosqlite:///{directory}/bench.db"
        config = _write_bot_config(Path(directory), bot_port, database_url, args.redis_url)
        env = {**os.environ, "WXBOT_LOG_LEVEL": "WARNING"}
        processes = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "bot", "--config", str(config), "serve"], env=env
            ),
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "bench.callback", "--serve-baseline", str(base_port)],
                env=env,
            ),
        ]
        try:
            await _wait_until_up(f"http://127.0.0.1:{bot_port}/healthz")
            await _wait_until_up(f"http://127.0.0.1:{base_port}/wechat/main")
            run = str(int(time.time()))
            base = await _measure(
                f"http://127.0.0.1:{base_port}/wechat/main",
                args.count,
                args.concurrency,
                run,
                processes[1].pid,
            )
            full = await _measure(
                f"http://127.0.0.1:{bot_port}/wechat/main",
                args.count,
                args.concurrency,
                run,
                processes[0].pid,
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    cache = "redis" if args.redis_url else "in-process"
    print(
        f"{args.count} encrypted text messages, concurrency {args.concurrency}, {backend} + {cache}"
    )
    _report("baseline", base[0], base[1])
    _report("full path", full[0], full[1])
    print(f"ratio full/baseline throughput: {full[0] / base[0]:.2f}")
    print(f"CPU µs per message, baseline:  {base[2]}")
    print(f"CPU µs per message, full path: {full[2]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_baseline:
        serve_baseline(arguments.serve_baseline)
    else:
        asyncio.run(main(arguments))
