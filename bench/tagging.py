"""The cost of tagging: all rules per event with 1 000 rules, and a profile lookup among 1 000 000.

1. Matching: which of 1 000 rules an event feeds (the in-memory index).
2. The whole evaluation step per event (catch-up, counters, tiers, touch,
   expiry, sync jobs) with those 1 000 rules, on PostgreSQL.
3. Profile lookup (`wxbot users show` by openid and by phone, and the
   dispatcher's `resolve_profile`) with 1 000 000 users in PostgreSQL.

Everything lives in a scratch schema that is dropped at the end.

    python bench/tagging.py [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script is named like the package it measures; without this, `import
# tagging` would find the script itself (Python puts bench/ first on the path).
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

import storage.lead_models  # every table, as in production
import storage.tagging_models  # noqa: F401 - registers the tagging tables
from bot.app import event_streams
from bot.effects.stage import EffectsStage
from bot.metrics import Metrics
from storage.database import SessionFactory
from storage.event_log import append_events, event_rows
from storage.identities import resolve_profile
from storage.models import Base
from storage.profile_lookup import find_profile
from storage.records import Decision, InboundRecord
from storage.types import utc_now
from tagging.rules import (
    CounterRule,
    EventKind,
    Level,
    Metric,
    RuleSet,
    TierRule,
    TouchRule,
)
from tagging.step import Tagging

USERS = 1_000_000
RULES = 1_000
MATCH_EVENTS = 20_000
STEP_EVENTS = 500
LOOKUPS = 2_000
SCHEMA = "bench_tagging"
WORDS = [f"词{n}" for n in range(300)]
KEYS = [f"MENU_{n}" for n in range(400)]


def build_rules() -> RuleSet:
    """1 000 counters over every event kind, plus a tier ladder and touch channels."""
    rng = random.Random(7)
    counters = []
    for n in range(RULES):
        kind = (EventKind.CLICK, EventKind.TEXT, EventKind.SCAN, EventKind.SUBSCRIBE)[n % 4]
        key = rng.choice(WORDS) if kind is EventKind.TEXT else rng.choice(KEYS)
        counters.append(
            CounterRule(f"r{n}", kind, key, rng.randint(1, 5), rng.choice([7, 30]), f"标签{n}")
        )
    tiers = (
        TierRule("value", Metric.POINTS, 30, (Level(100, "高价值"), Level(30, "中价值")), "低价值"),
    )
    touch = TouchRule(first="首触:{channel}", last="末触:{channel}")
    return RuleSet(counters=tuple(counters), tiers=tiers, touch=touch)


def bench_matching(rules: RuleSet) -> None:
    rng = random.Random(1)
    events = []
    for _ in range(MATCH_EVENTS):
        if rng.random() < 0.5:
            events.append(
                (EventKind.TEXT, f"你好，{rng.choice(WORDS)}怎么卖，{rng.choice(WORDS)}呢")
            )
        else:
            events.append((EventKind.CLICK, rng.choice(KEYS)))
    matched = 0
    start = time.perf_counter()
    for kind, key in events:
        matched += len(rules.counters_for(kind, key))
    elapsed = time.perf_counter() - start
    print(f"matching, {RULES} rules: {elapsed / MATCH_EVENTS * 1e6:.1f} µs/event "
          f"({matched / MATCH_EVENTS:.1f} rules fed per event)")  # fmt: skip


async def create_scratch(url: str) -> AsyncEngine:
    admin = create_async_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    await admin.dispose()
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": SCHEMA}})
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        # The indexes the migrations add beyond the models.
        await connection.execute(text("CREATE INDEX ix_identities_value ON identities (value)"))
        await connection.execute(text("CREATE INDEX ix_pt_expires ON profile_tags (expires_at)"))
    return engine


async def load_users(engine: AsyncEngine) -> float:
    """1 000 000 profiles, each with an openid and half with a phone, by COPY."""
    now = datetime.now(UTC)
    start = time.perf_counter()
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        pg = raw.driver_connection
        if pg is None:
            raise RuntimeError("no asyncpg connection")
        profiles = ((n, _phone(n) if n % 2 else None, 0, now, now) for n in range(1, USERS + 1))
        await pg.copy_records_to_table(
            "profiles", records=profiles, schema_name=SCHEMA,
            columns=["id", "phone", "score", "created_at", "updated_at"],
        )  # fmt: skip
        identities = (
            (n, n, "openid", "main", f"o{n:012d}", True, now, now) for n in range(1, USERS + 1)
        )
        await pg.copy_records_to_table(
            "identities", records=identities, schema_name=SCHEMA,
            columns=["id", "profile_id", "kind", "app", "value", "subscribed", "created_at",
                     "last_seen_at"],
        )  # fmt: skip
        await pg.execute(f"SELECT setval('{SCHEMA}.profiles_id_seq', {USERS})")
        await pg.execute(f"SELECT setval('{SCHEMA}.identities_id_seq', {USERS})")
        await pg.execute("ANALYZE")
    return time.perf_counter() - start


async def timed(count: int, call: Callable[[int], Awaitable[object]]) -> list[float]:
    times = []
    for i in range(count):
        start = time.perf_counter()
        await call(i)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"{name}: mean {statistics.fmean(times):.3f} ms, p50 {statistics.median(times):.3f} ms, "
          f"p99 {p99:.3f} ms over {len(times)}")  # fmt: skip


def _phone(n: int) -> str:
    """The phone `load_users` gave user `n` (odd users only)."""
    return f"1{3 + n % 7}{n:09d}"


async def bench_lookups(sessions: SessionFactory) -> None:
    rng = random.Random(3)
    ids = [rng.randint(1, USERS) for _ in range(LOOKUPS)]
    openids = [f"o{n:012d}" for n in ids]
    phones = [_phone(n | 1) for n in ids]
    async with sessions() as session:
        by_openid = await timed(LOOKUPS, lambda i: find_profile(session, openids[i]))
        by_phone = await timed(LOOKUPS, lambda i: find_profile(session, phones[i]))
        resolved = await timed(
            LOOKUPS, lambda i: resolve_profile(session, "openid", "main", openids[i], utc_now())
        )
    report("lookup by openid (users show)", by_openid)
    report("lookup by phone (users show)", by_phone)
    report("resolve_profile (dispatcher)", resolved)


async def bench_step(sessions: SessionFactory, rules: RuleSet) -> None:
    tagging = Tagging(rules, lambda: datetime.now(UTC))
    rng = random.Random(5)
    records: list[tuple[InboundRecord, Decision]] = []
    for i in range(STEP_EVENTS):
        openid = f"o{rng.randint(1, 2000):012d}"  # a few events per user, so counters fire
        kind = rng.random()
        record = InboundRecord(
            dedup_key=f"bench:{i}", account="main", openid=openid,
            msg_type="text" if kind < 0.5 else "event",
            event=None if kind < 0.5 else "click",
            event_key=None if kind < 0.5 else rng.choice(KEYS),
            content=f"{rng.choice(WORDS)}多少钱" if kind < 0.5 else None,
            msg_id=None, sent_at=datetime.now(UTC),
        )  # fmt: skip
        records.append((record, Decision()))
    engine = sessions.kw["bind"]
    await append_events(engine, event_rows(records, datetime.now(UTC)))
    stage = EffectsStage(sessions, event_streams(tagging, None), Metrics())
    started = time.perf_counter()
    applied = await stage.drain()
    elapsed = time.perf_counter() - started
    await stage.stop()
    print(
        f"effects stage with {RULES} tagging rules (PostgreSQL, 1M users): "
        f"{applied} events in {elapsed:.2f} s, {applied / elapsed:.0f} events/s"
    )


async def main(url: str) -> None:
    rules = build_rules()
    bench_matching(rules)
    engine = await create_scratch(url)
    try:
        loaded_s = await load_users(engine)
        print(f"loaded {USERS:,} users (profiles + identities) by COPY in {loaded_s:.1f} s")
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        await bench_lookups(sessions)
        await bench_step(sessions, rules)
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
