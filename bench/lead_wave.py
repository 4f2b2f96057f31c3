"""Lead waves: how fast one effects consumer turns qualifying events into assigned, alerted leads.

For each size of the existing book (open leads already assigned to a 20-person team),
on a fresh scratch database: N followers each ask the price three times through the
real app (10 points each, applied before timing), then each asks a fourth time, which
crosses `qualify_score` (40): N events, each making a lead. One drain of the effects
stage applies them; it prints

- leads/s through the whole stage (tags, points, replies' effects and the leads);
- leads/s of the lead step alone (`LeadIntake.apply`: create, grade, assign, queue
  the alert), and its cost per lead, which must not grow with the book (the last
  line gives it at each size as a ratio to the smallest book's: the medians with
  `--rounds`);
- the baseline: what the two scans the per-lead path ran for each new lead (the
  team's open leads over `leads`, the last assignment per person over
  `lead_events`) cost at that size, read once here.

With `--wave-lag`, it also appends a wave of qualifying events followed by ordinary
events (a text worth no points, from people who are already leads' peers) and prints
how long after the wave's first event the ordinary events behind it were applied.

    python -m bench.lead_wave --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
        [--redis-url redis://127.0.0.1:6379/15] [--leads 3000] [--open 0,1000,100000] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench import callback_servers as servers
from bench.effects_sql import StatementClock
from bench.workload import Workload
from bot.app import Background, create_app
from bot.app_keys import EFFECTS, ENGINE, SESSIONS
from bot.config.settings import load_settings
from bot.testing.wechat_player import Callback
from leads.intake import ASSIGNING, LeadIntake
from leads.jobs import LEAD_ALERT
from leads.lifecycle import OPEN_STATES
from storage.database import SessionFactory, upgrade_schema_blocking
from storage.lead_models import Lead, LeadEvent
from storage.models import InboundEvent, OutboxJob, Profile

SCRATCH = f"bench_lead_wave_{os.getpid()}"
TEAM = 20
CONCURRENCY = 32
SEED_CHUNK = 5000
# Messages each person sends before the one that makes them a lead (10 points each,
# `qualify_score` 40): as in the campaign of issue 23, people are known before the wave.
WARM = 3
STATEMENTS_SHOWN = 12

LEADS_TOML = """
[[wecom]]
name = "sales"
corp_id = "wwbench000000000"
agent_id = 1000002
secret = "bench-corp-secret"
token = "bench-wecom-token"
encoding_aes_key = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
api_base = "http://127.0.0.1:9/_fake"

[leads]
wecom = "sales"
qualify_score = 40
""" + "".join(
    f'\n[[leads.sales]]\nuserid = "rep{n:02d}"\nname = "销售{n:02d}"\n' for n in range(TEAM)
)


@dataclass
class StepClock:
    """Wall time spent in the lead step (wraps `LeadIntake.apply` for this process)."""

    seconds: float = 0.0

    def install(self) -> Callable[[], None]:
        original = LeadIntake.apply
        clock = self

        async def timed(intake: LeadIntake, session: AsyncSession, batch: object) -> None:
            started = time.perf_counter()
            try:
                await original(intake, session, batch)  # type: ignore[arg-type]
            finally:
                clock.seconds += time.perf_counter() - started

        LeadIntake.apply = timed  # type: ignore[assignment,method-assign]

        def restore() -> None:
            LeadIntake.apply = original  # type: ignore[method-assign]

        return restore


@dataclass(frozen=True)
class Figures:
    database: str
    open_leads: int
    leads: int
    alerts: int
    drain_s: float
    step_s: float
    scans_ms: float


async def seed_book(sessions: SessionFactory, open_leads: int) -> None:
    """`open_leads` people, each an open lead assigned to the team in turn, with its entry."""
    now = datetime.now(UTC)
    done = 0
    while done < open_leads:
        size = min(SEED_CHUNK, open_leads - done)
        async with sessions.begin() as session:
            connection = await session.connection()
            rows = [{"score": 10, "created_at": now, "updated_at": now} for _ in range(size)]
            ids = [
                int(pid)
                for (pid,) in await connection.execute(
                    insert(Profile).returning(Profile.id, sort_by_parameter_order=True), rows
                )
            ]
            leads = [
                {
                    "profile_id": pid,
                    "state": "contacting" if pid % 2 else "new",
                    "owner": f"rep{pid % TEAM:02d}",
                    "assigned_at": now,
                    "escalation": 0,
                    "active_at": now,
                    "locked": False,
                    "created_at": now,
                }
                for pid in ids
            ]
            lead_ids = await connection.execute(
                insert(Lead).returning(Lead.id, Lead.owner, sort_by_parameter_order=True), leads
            )
            await connection.execute(
                insert(LeadEvent),
                [
                    {
                        "lead_id": lead_id,
                        "kind": "assigned",
                        "actor": "system",
                        "to_state": "new",
                        "owner": owner,
                        "created_at": now,
                    }
                    for lead_id, owner in lead_ids
                ],
            )
        done += size


async def scans_ms(sessions: SessionFactory) -> float:
    """What the per-lead path's two scans cost once, at this size (best of five)."""
    best = float("inf")
    async with sessions() as session:
        for _ in range(5):
            started = time.perf_counter()
            await session.execute(
                select(Lead.owner, func.count())
                .where(Lead.owner.is_not(None), Lead.state.in_(OPEN_STATES))
                .group_by(Lead.owner)
            )
            await session.execute(
                select(LeadEvent.owner, func.max(LeadEvent.id))
                .where(LeadEvent.kind.in_(ASSIGNING), LeadEvent.owner.is_not(None))
                .group_by(LeadEvent.owner)
            )
            best = min(best, time.perf_counter() - started)
    return best * 1000


async def _post_all(client: TestClient, callbacks: list[Callback]) -> None:  # type: ignore[type-arg]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def post(callback: Callback) -> None:
        async with gate:
            response = await client.post("/wechat/main", params=callback.query, data=callback.body)
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {await response.text()}")

    await asyncio.gather(*(post(callback) for callback in callbacks))


async def _count(sessions: SessionFactory, query: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(query) or 0)  # type: ignore[call-overload]


async def one_size(
    database_url: str, redis_url: str, open_leads: int, leads: int, show_statements: bool = False
) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        config = servers.write_bot_config(Path(folder), 0, database_url, redis_url)
        config.write_text(config.read_text(encoding="utf-8") + LEADS_TOML, encoding="utf-8")
        settings = load_settings(config, os.environ)
        await asyncio.to_thread(upgrade_schema_blocking, settings.storage.database_url)
        app = create_app(settings, background=Background.nothing())
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            sessions = client.app[SESSIONS]
            seeding = time.perf_counter()
            await seed_book(sessions, open_leads)
            if open_leads:
                # As autovacuum would have by then: the planner knows the tables' sizes.
                async with sessions.begin() as session:
                    await session.execute(text("ANALYZE"))
                print(
                    f"  ({open_leads:,} open leads seeded in {time.perf_counter() - seeding:.1f} s)"
                )
            scans = await scans_ms(sessions)
            people = Workload(users=leads)
            await _post_all(client, list(people.callbacks(leads * WARM)))
            await client.app[EFFECTS].drain()  # not timed: the people and their 30 points
            before = await _count(sessions, select(func.count()).select_from(Lead))
            await _post_all(client, list(people.callbacks(leads)))
            clock = StepClock()
            restore = clock.install()
            statements = StatementClock()
            engine = client.app[ENGINE].sync_engine
            if show_statements:
                event.listen(engine, "before_cursor_execute", statements.before)
                event.listen(engine, "after_cursor_execute", statements.after)
            try:
                started = time.perf_counter()
                await client.app[EFFECTS].drain()
                drain_s = time.perf_counter() - started
            finally:
                restore()
                if show_statements:
                    event.remove(engine, "before_cursor_execute", statements.before)
                    event.remove(engine, "after_cursor_execute", statements.after)
            made = await _count(sessions, select(func.count()).select_from(Lead)) - before
            alerts = await _count(
                sessions, select(func.count()).where(OutboxJob.kind == LEAD_ALERT.name)
            )
        finally:
            await client.close()
    name = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    if show_statements:
        ranked = sorted(statements.totals.items(), key=lambda item: -item[1][1])
        for sql, (count, total) in ranked[:STATEMENTS_SHOWN]:
            print(f"  {1e6 * total / max(made, 1):6.1f} µs/lead  {int(count):5d}×  {sql}")
    return Figures(name, open_leads, made, alerts, drain_s, clock.seconds, scans)


# A text no rule gives points for (the fallback answers): an ordinary event, no lead.
ORDINARY = ("在吗",)
TICK_S = 0.05


@dataclass(frozen=True)
class Lag:
    wave: int
    rate: int
    ordinary: int
    seconds: list[float]
    wave_seconds: list[float]


async def _paced(
    client: TestClient,  # type: ignore[type-arg]
    streams: list[tuple[list[Callback], int]],
) -> None:
    """Post each stream at its rate (events/s), all at once, as followers would."""
    started = time.perf_counter()
    sent = [0] * len(streams)
    tasks: list[asyncio.Task[None]] = []
    while any(sent[i] < len(stream) for i, (stream, _) in enumerate(streams)):
        elapsed = time.perf_counter() - started
        for i, (stream, rate) in enumerate(streams):
            due = min(len(stream), int(rate * elapsed) + 1)
            tasks += [asyncio.create_task(_post_all(client, stream[sent[i] : due]))]
            sent[i] = due
        await asyncio.sleep(TICK_S)
    await asyncio.gather(*tasks)


async def wave_lag(
    database_url: str, redis_url: str, open_leads: int, *, wave: int, rate: int, ordinary_rate: int
) -> Lag:
    """A steady stream of ordinary events with a wave of qualifying ones at `rate` inside.

    The effects consumer runs in the serving process, as `wxbot serve` runs it.
    """
    with tempfile.TemporaryDirectory() as folder:
        config = servers.write_bot_config(Path(folder), 0, database_url, redis_url)
        config.write_text(config.read_text(encoding="utf-8") + LEADS_TOML, encoding="utf-8")
        settings = load_settings(config, os.environ)
        await asyncio.to_thread(upgrade_schema_blocking, settings.storage.database_url)
        app = create_app(settings, background=Background(outbox=False, sweepers=False))
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            sessions = client.app[SESSIONS]
            await seed_book(sessions, open_leads)
            duration_s = wave / rate
            # Ordinary events before, during and after the wave (a third of its length each).
            ordinary = list(
                Workload(users=10**6, messages=ORDINARY, prefix="o_plain_").callbacks(
                    int(ordinary_rate * duration_s * 3)
                )
            )
            people = Workload(users=wave)
            await _post_all(client, list(people.callbacks(wave * WARM)))
            await _until_applied(sessions)
            qualifying = list(people.callbacks(wave))
            third = len(ordinary) // 3
            started = datetime.now(UTC)
            await _paced(client, [(ordinary[:third], ordinary_rate)])
            await _paced(client, [(ordinary[third:-third], ordinary_rate), (qualifying, rate)])
            await _paced(client, [(ordinary[-third:], ordinary_rate)])
            await _until_applied(sessions)
            async with sessions() as session:
                rows = (
                    await session.execute(
                        select(
                            InboundEvent.content, InboundEvent.received_at, InboundEvent.applied_at
                        ).where(InboundEvent.received_at >= started)
                    )
                ).all()
        finally:
            await client.close()
    lags = [
        (content, (applied - received).total_seconds())
        for content, received, applied in rows
        if applied is not None  # a failed event (none expected): no lag to show
    ]
    return Lag(
        wave,
        rate,
        ordinary_rate,
        sorted(lag for content, lag in lags if content in ORDINARY),
        sorted(lag for content, lag in lags if content not in ORDINARY),
    )


async def _until_applied(sessions: SessionFactory) -> None:
    pending = select(func.count()).where(InboundEvent.effects_state == "pending")
    while await _count(sessions, pending):
        await asyncio.sleep(0.2)


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def report_lag(lag: Lag, database: str, open_leads: int) -> None:
    ordinary, wave = lag.seconds, lag.wave_seconds
    print(
        f"{database:10s} open leads {open_leads:7,d}: wave of {lag.wave:,} leads at "
        f"{lag.rate}/s with {lag.ordinary} ordinary events/s | ordinary events applied "
        f"after p50 {_quantile(ordinary, 0.5):.2f} s, p99 {_quantile(ordinary, 0.99):.2f} s, "
        f"max {max(ordinary, default=float('nan')):.2f} s | the wave's events p99 "
        f"{_quantile(wave, 0.99):.2f} s, max {max(wave, default=float('nan')):.2f} s"
    )


def report(figures: Figures) -> None:
    per_lead_ms = 1000 * figures.step_s / max(figures.leads, 1)
    print(
        f"{figures.database:10s} open leads {figures.open_leads:7,d}: "
        f"{figures.leads:,} leads ({figures.alerts:,} alerts) | "
        f"stage {figures.leads / figures.drain_s:6,.0f} leads/s | "
        f"lead step {figures.leads / figures.step_s:6,.0f} leads/s, "
        f"{per_lead_ms:.3f} ms/lead | per-lead path's two scans: "
        f"{figures.scans_ms:.2f} ms/lead (≤ {1000 / max(figures.scans_ms, 1e-3):,.0f} leads/s)"
    )


def report_growth(medians: list[Figures]) -> None:
    """The lead step's cost per lead at each book size, against the smallest book's."""
    for database in sorted({figures.database for figures in medians}):
        sizes = sorted((f for f in medians if f.database == database), key=lambda f: f.open_leads)
        if len(sizes) < 2:
            continue
        base = sizes[0].step_s / max(sizes[0].leads, 1)
        ratios = ", ".join(
            f"{f.open_leads:,} open: ×{f.step_s / max(f.leads, 1) / base:.2f}" for f in sizes[1:]
        )
        print(f"{database:10s} lead step's cost per lead vs {sizes[0].open_leads:,} open: {ratios}")


async def on_scratch_postgres(
    server_url: str, measure: Callable[[str], Awaitable[Figures]]
) -> Figures:
    await servers.drop_scratch_database(server_url, SCRATCH)
    await servers.create_scratch_database(server_url, SCRATCH)
    try:
        return await measure(servers.with_database(server_url, SCRATCH))
    finally:
        await servers.drop_scratch_database(server_url, SCRATCH)


async def run(args: argparse.Namespace) -> None:
    sizes = [int(size) for size in args.open.split(",")]
    if args.wave_lag:
        await run_wave_lag(args, sizes)
        return
    found: dict[tuple[str, int], list[Figures]] = {}
    # Rounds alternate the sizes, so the machine's drift falls on each alike.
    for _ in range(args.rounds):
        for size in sizes:
            if args.database_url:
                if args.redis_url:
                    await servers.clean_redis(args.redis_url)

                async def measure(url: str, size: int = size) -> Figures:
                    return await one_size(url, args.redis_url, size, args.leads, args.statements)

                figures = await on_scratch_postgres(args.database_url, measure)
                report(figures)
                found.setdefault((figures.database, size), []).append(figures)
            if args.sqlite:
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                    figures = await one_size(url, "", size, args.leads, args.statements)
                report(figures)
                found.setdefault((figures.database, size), []).append(figures)
    medians = {
        key: sorted(runs, key=lambda f: f.step_s)[len(runs) // 2] for key, runs in found.items()
    }
    if args.rounds > 1:
        print(f"medians of {args.rounds} rounds:")
        for figures in medians.values():
            report(figures)
    report_growth(list(medians.values()))


async def run_wave_lag(args: argparse.Namespace, sizes: list[int]) -> None:
    for size in sizes:

        async def measure(url: str, size: int = size) -> Lag:
            return await wave_lag(
                url,
                args.redis_url,
                size,
                wave=args.wave,
                rate=args.rate,
                ordinary_rate=args.ordinary,
            )

        if args.database_url:
            if args.redis_url:
                await servers.clean_redis(args.redis_url)
            await servers.drop_scratch_database(args.database_url, SCRATCH)
            await servers.create_scratch_database(args.database_url, SCRATCH)
            try:
                lag = await measure(servers.with_database(args.database_url, SCRATCH))
            finally:
                await servers.drop_scratch_database(args.database_url, SCRATCH)
            report_lag(lag, "postgresql", size)
        if args.sqlite:
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                report_lag(await measure(url), "sqlite", size)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (scratch DB)")
    parser.add_argument("--redis-url", default="", help="a spare Redis DB (its wxbot: keys go)")
    parser.add_argument("--leads", type=int, default=3000, help="new leads per size")
    parser.add_argument("--open", default="0,1000,100000", help="open leads already there")
    parser.add_argument("--sqlite", action="store_true", help="also measure SQLite (no target)")
    parser.add_argument("--statements", action="store_true", help="print the costliest SQL")
    parser.add_argument("--rounds", type=int, default=1, help="repeat; print medians too")
    parser.add_argument(
        "--wave-lag", action="store_true", help="measure ordinary events' lag during a wave"
    )
    parser.add_argument("--wave", type=int, default=5000, help="qualifying events in the wave")
    parser.add_argument("--rate", type=int, default=400, help="the wave's events per second")
    parser.add_argument("--ordinary", type=int, default=50, help="ordinary events per second")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
