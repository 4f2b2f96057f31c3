"""Where the effects stage's database time goes: its statements per applied event.

Appends N encrypted price questions (bench/callback_keywords.csv: 2 tags, 10 points)
from `--users` followers through the real app with its background off, then drains
the effects stage once (one consumer, as `wxbot worker` runs it) and prints the rate,
the CPU per event of this process (the consumer) and of the database's backends, and
per statement text how often it ran and its wall time per applied event (client side:
PostgreSQL's execution plus the round trip). `--rounds` repeats append + drain on the
same database (the later rounds meet known profiles). `--history N` first stores N
events already applied, as a table in production keeps them, and analyzes the table.
A scratch database on the given server is dropped at the end.

    python -m bench.effects_sql --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
                                --redis-url redis://127.0.0.1:6379/15 [--events 3000] \\
                                [--users 6000] [--rounds 1] [--history 0] [--no-statements]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event
from sqlalchemy.engine import Connection

from bench import callback_servers as servers
from bench.proc_meter import CpuMeter
from bench.workload import USERS, Workload
from bot.app import Background, create_app
from bot.app_keys import EFFECTS, ENGINE
from bot.config.settings import load_settings
from bot.testing.wechat_player import Callback
from storage.database import upgrade_schema_blocking

SCRATCH = f"bench_effects_{os.getpid()}"
CONCURRENCY = 32
SHOWN = 15


class StatementClock:
    """Count and time every statement an engine runs (keyed by its text)."""

    def __init__(self) -> None:
        self.totals: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self._started: dict[int, float] = {}

    def before(self, conn: Connection, cursor: object, *_: object) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def after(self, conn: Connection, cursor: object, statement: str, *_: object) -> None:
        started = self._started.pop(id(cursor), time.perf_counter())
        total = self.totals[" ".join(statement.split())[:110]]
        total[0] += 1
        total[1] += time.perf_counter() - started


async def measure(args: argparse.Namespace) -> None:
    database_url, redis_url = args.database_url, args.redis_url
    await servers.drop_scratch_database(database_url, SCRATCH)
    await servers.create_scratch_database(database_url, SCRATCH)
    if redis_url:
        await servers.clean_redis(redis_url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = servers.with_database(database_url, SCRATCH)
            config = servers.write_bot_config(Path(folder), 0, url, redis_url)
            settings = load_settings(config, os.environ)
        await asyncio.to_thread(upgrade_schema_blocking, settings.storage.database_url)
        if args.history:
            await _store_history(servers.asyncpg_dsn(url), args.history)
        app = create_app(settings, background=Background.nothing())
        await _drain_measured(app, args)
    finally:
        await servers.drop_scratch_database(database_url, SCRATCH)


async def _store_history(dsn: str, count: int) -> None:
    """`count` applied events from other followers, then the statistics autovacuum would
    take after such an insert."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(_HISTORY, count)
        await connection.execute("ANALYZE inbound_events")
    finally:
        await connection.close()


_HISTORY = """INSERT INTO inbound_events (dedup_key, account, openid, msg_type, content,
    sent_at, received_at, partition, effects_state, applied_at)
SELECT 'history:' || n, 'main', 'o_history_' || (n % 50000), 'text', '价格', now(), now(),
    n % 16, 'applied', now()
FROM generate_series(1, $1::int) AS n"""


async def _drain_measured(app: web.Application, args: argparse.Namespace) -> None:
    dsn, statements = servers.asyncpg_dsn(args.database_url), not args.no_statements
    client = TestClient(TestServer(app))
    await client.start_server()
    workload = Workload(users=args.users)
    try:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def post(callback: Callback) -> None:
            async with gate:
                response = await client.post(
                    "/wechat/main", params=callback.query, data=callback.body
                )
                if response.status != 200:
                    raise RuntimeError(f"{response.status}: {await response.text()}")

        for number in range(1, args.rounds + 1):
            await asyncio.gather(*(post(callback) for callback in workload.callbacks(args.events)))
            engine = client.app[ENGINE].sync_engine
            clock = StatementClock()
            if statements:
                event.listen(engine, "before_cursor_execute", clock.before)
                event.listen(engine, "after_cursor_execute", clock.after)
            backends, _ = await servers.postgres_pids(dsn, SCRATCH)
            meter = CpuMeter({"postgres": backends})
            started, cpu = time.perf_counter(), time.process_time()
            applied = await client.app[EFFECTS].drain()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            meter.add(
                "postgres",
                (await servers.postgres_pids(dsn, SCRATCH))[0],
            )
            spent = meter.read()["postgres"]
            if statements:
                event.remove(engine, "before_cursor_execute", clock.before)
                event.remove(engine, "after_cursor_execute", clock.after)
            print(f"round {number} of {args.rounds}:")
            _report(clock, applied, elapsed, cpu, spent)
    finally:
        await client.close()


def _report(
    clock: StatementClock, applied: int, elapsed: float, cpu_s: float, postgres_s: float
) -> None:
    wall = sum(total for _, total in clock.totals.values())
    applied = max(1, applied)
    print(
        f"applied {applied:,} events in {elapsed:.2f} s = {applied / elapsed:,.0f}/s (one consumer)"
    )
    print(
        f"CPU per event: consumer {1e6 * cpu_s / applied:.0f} µs, PostgreSQL backends "
        f"{1e6 * postgres_s / applied:.0f} µs, "
        f"together {1e6 * (cpu_s + postgres_s) / applied:.0f} µs"
    )
    if not clock.totals:
        return
    print(
        f"{int(sum(count for count, _ in clock.totals.values()))} statements, "
        f"{1e6 * wall / applied:.0f} µs of statement wall time per event; the costliest:"
    )
    ranked = sorted(clock.totals.items(), key=lambda item: -item[1][1])
    for text, (count, total) in ranked[:SHOWN]:
        print(f"  {1e6 * total / applied:6.1f} µs/event  {int(count):5d}×  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--redis-url", default="", help="a spare Redis DB (its wxbot: keys go)")
    parser.add_argument("--events", type=int, default=3000, help="appended per round")
    parser.add_argument("--users", type=int, default=USERS, help="followers they come from")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--history", type=int, default=0, help="applied events stored first")
    parser.add_argument(
        "--no-statements", action="store_true", help="no per-statement clock (its own cost)"
    )
    args = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
