"""The cost of journeys: entering people (per event and for a campaign) and firing steps.

1. Trigger cost per event: one person entering a journey from a hook, in the event's
   transaction (what the effects stage pays per event), median and p99.
2. A campaign: 100 000 people entered by `start_segment` (target: under 10 s).
3. Steps fired per second: due runs claimed, decided and their sends queued in the
   outbox (target: 1 000/s with PostgreSQL).
4. Sends per second against the fake WeChat API on loopback: the `journey.send`
   jobs run by the outbox worker, each a real HTTP call.

Everything lives in a scratch schema that is dropped at the end.

    python bench/journeys.py [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script is named like the package it measures; without this, `import
# journeys` would find the script itself (Python puts bench/ first on the path).
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

import storage.journey_models
import storage.lead_models
import storage.tagging_models  # noqa: F401 - registers every table, as in production
from bot.config.settings import load_settings
from bot.effects.jobs import registry
from bot.effects.journey_jobs import JourneyMessenger
from bot.effects.outbox_worker import OutboxWorker
from bot.metrics import Metrics
from fakewechat.app import create_fake_app
from fakewechat.state import FakeWeChat
from journeys.campaigns import start_segment
from journeys.definition import Journey
from journeys.engine import FIRE_BATCH, JourneyEngine
from journeys.expressions import parse_expression
from journeys.journeys_file import parse_journeys
from storage.cache import MemoryCache
from storage.database import SessionFactory
from storage.journey_models import JourneyRun
from storage.models import Base, OutboxJob
from storage.outbox import Outbox

USERS = 100_000
HOOK_ENTRIES = 1_000
SENDS = 3_000
WORKERS = 4
SCHEMA = "bench_journeys"
APP_ID, SECRET = "wxbench000000000", "bench-secret"
# 10:00 in Shanghai: inside the send window, so no step waits for quiet hours.
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
CATALOG = """
daily_cap = 5

[[journey]]
name = "campaign"
trigger = "segment"
exit = "lead:any"
  [[journey.step]]
  wait = "1h"
  when = "!tag:已留资"
  action = "text"
  text = "春季活动：到店试驾送保养券"

[[journey]]
name = "hook"
trigger = "tag:询价"
  [[journey.step]]
  wait = "2h"
  action = "text"
  text = "价格表"
"""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def create_scratch(url: str) -> AsyncEngine:
    admin = create_async_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    await admin.dispose()
    engine = create_async_engine(
        url, pool_size=10, connect_args={"server_settings": {"search_path": SCHEMA}}
    )
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return engine


async def load_users(engine: AsyncEngine) -> None:
    """100 000 followers, each with an openid; every third tagged 高意向, every tenth 已留资."""
    now = START
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        pg = raw.driver_connection
        if pg is None:
            raise RuntimeError("no asyncpg connection")
        await pg.copy_records_to_table(
            "profiles", records=((n, 0, now, now) for n in range(1, USERS + 1)),
            schema_name=SCHEMA, columns=["id", "score", "created_at", "updated_at"],
        )  # fmt: skip
        await pg.copy_records_to_table(
            "identities",
            records=(
                (n, n, "openid", "main", f"o{n:09d}", True, now, now) for n in range(1, USERS + 1)
            ),
            schema_name=SCHEMA,
            columns=["id", "profile_id", "kind", "app", "value", "subscribed", "created_at",
                     "last_seen_at"],
        )  # fmt: skip
        tags = [(n, "高意向", "behavior", "bench", now) for n in range(1, USERS + 1, 3)]
        tags += [(n, "已留资", "behavior", "bench", now) for n in range(1, USERS + 1, 10)]
        await pg.copy_records_to_table(
            "profile_tags", records=tags, schema_name=SCHEMA,
            columns=["profile_id", "tag", "category", "source", "created_at"],
        )  # fmt: skip
        await pg.execute(f"SELECT setval('{SCHEMA}.profiles_id_seq', {USERS})")
        await pg.execute(f"SELECT setval('{SCHEMA}.identities_id_seq', {USERS})")
        await pg.execute("ANALYZE")


def _journey(engine: JourneyEngine, name: str) -> Journey:
    journey = engine.catalog.get(name)
    if journey is None:
        raise RuntimeError(f"the bench catalog lacks {name}")
    return journey


async def bench_hook(sessions: SessionFactory, engine: JourneyEngine) -> None:
    journey = _journey(engine, "hook")
    times = []
    for n in range(1, HOOK_ENTRIES + 1):
        start = time.perf_counter()
        async with sessions.begin() as session:
            await engine.enter(session, journey, [n], trigger="tag:询价")
        times.append(time.perf_counter() - start)
    times.sort()
    median_ms = statistics.median(times) * 1000
    p99_ms = times[int(len(times) * 0.99)] * 1000
    print(
        "trigger cost per event (enter one person, own transaction): "
        f"median {median_ms:.2f} ms, p99 {p99_ms:.2f} ms"
    )


async def bench_campaign(sessions: SessionFactory, engine: JourneyEngine) -> int:
    journey = _journey(engine, "campaign")
    start = time.perf_counter()
    matched, entered = await start_segment(
        sessions, engine, journey, parse_expression("tag:高意向 | !tag:高意向"), trigger="bench"
    )
    elapsed = time.perf_counter() - start
    print(
        f"campaign: {entered:,} of {matched:,} people entered (scheduled) in {elapsed:.2f} s "
        f"({entered / elapsed:,.0f}/s; target: 100 000 in < 10 s)"
    )
    return entered


async def bench_fire(sessions: SessionFactory, engine: JourneyEngine, clock: Clock) -> None:
    clock.now = START + timedelta(hours=1)
    fired = 0
    start = time.perf_counter()
    while True:
        async with sessions.begin() as session:
            count = await engine.fire_due(session, FIRE_BATCH)
        if not count:
            break
        fired += count
    elapsed = time.perf_counter() - start
    async with sessions() as session:
        queued = await session.scalar(select(func.count()).where(OutboxJob.kind == "journey.send"))
        left = await session.scalar(
            select(func.count()).where(
                JourneyRun.status == "active", JourneyRun.journey == "campaign"
            )
        )
    print(
        f"steps fired: {fired:,} in {elapsed:.2f} s = {fired / elapsed:,.0f} steps/s "
        f"(claimed, conditions checked, {queued:,} sends queued; {left} left active; "
        "target ≥ 1 000/s)"
    )


async def bench_sends(url: str, sessions: SessionFactory, clock: Clock) -> None:
    fake = FakeWeChat(auto_followers=True)
    fake.add_account(APP_ID, SECRET)
    runner = web.AppRunner(create_fake_app(fake), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "bench.toml"
        (Path(folder) / "k.csv").write_text("rule,trigger,match,keywords,reply\n", encoding="utf-8")
        config.write_text(
            f'[storage]\ndatabase_url = "{url}"\n[[wechat]]\nname = "main"\napp_id = "{APP_ID}"\n'
            f'app_secret = "{SECRET}"\ntoken = "t"\napi_base = "http://127.0.0.1:{port}"\n'
            'keywords = "k.csv"\n',
            encoding="utf-8",
        )
        settings = load_settings(config, {})
    # Only SENDS of the queued jobs are run: the rest wait (each is one HTTP call).
    async with sessions.begin() as session:
        first = select(OutboxJob.id).where(OutboxJob.kind == "journey.send")
        await session.execute(
            update(OutboxJob)
            .where(
                OutboxJob.kind == "journey.send",
                OutboxJob.id.not_in(first.order_by(OutboxJob.id).limit(SENDS).scalar_subquery()),
            )
            .values(status="parked")
        )
    async with aiohttp.ClientSession() as http:
        messenger = JourneyMessenger(settings, http, MemoryCache(), Metrics(), clock)
        # Several workers, as several bot processes would run (here on one event loop).
        workers = [
            OutboxWorker(Outbox(sessions, clock=clock), registry(messenger.handlers()), Metrics())
            for _ in range(WORKERS)
        ]

        async def drain(worker: OutboxWorker) -> int:
            done = 0
            while claimed := await worker.run_once():
                done += claimed
            return done

        start = time.perf_counter()
        done = sum(await asyncio.gather(*(drain(worker) for worker in workers)))
        elapsed = time.perf_counter() - start
    await runner.cleanup()
    print(
        f"sends through the outbox to the fake API: {done:,} in {elapsed:.2f} s = "
        f"{done / elapsed:,.0f}/s with {WORKERS} outbox workers "
        f"({len(fake.custom_messages):,} custom messages accepted)"
    )


async def main(url: str) -> None:
    engine = await create_scratch(url)
    try:
        await load_users(engine)
        print(f"loaded {USERS:,} followers by COPY")
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        clock = Clock()
        journeys = JourneyEngine(parse_journeys(CATALOG), clock)
        await bench_hook(sessions, journeys)
        await bench_campaign(sessions, journeys)
        await bench_fire(sessions, journeys, clock)
        await bench_sends(url, sessions, clock)
    finally:
        await engine.dispose()
        admin = create_async_engine(url)
        async with admin.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    asyncio.run(main(parser.parse_args().database_url))
