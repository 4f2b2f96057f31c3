"""A soak: a steady rate for minutes with a wave of new leads in it, as a campaign makes one.

`wxbot serve` (default settings, as `bench.callback` runs it, plus a WeCom app, a
sales team and a channel with a welcome, as `bench.welcome`) takes `--rate`
encrypted price questions a second (10 points each) from 6 000 followers for
`--minutes`, in wrk runs of 30 s (WeChat's timestamps expire after 300 s, so each
run's messages are built just before it). `qualify_score` is set so that every
follower qualifies on the same message round, about 40 % into the run: 6 000 new
leads within 6 000 / rate seconds. WeCom adds (`--adds-per-s`) play all along, each
waiting for its welcome (deadline work). Prints, every 30 s: the messages sent, the
edge's p99, the effects backlog, the leads made so far and each process's RSS; then
the drain time after the load, RSS growth over the second half, and from the
database, per 30 s window, how long events waited for their effects
(`applied_at − received_at`) and how long welcomes took, the wave's windows marked.

    python -m bench.soak --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
                         --redis-url redis://127.0.0.1:6379/15 [--minutes 10] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench import callback_servers as srv
from bench import callback_stages as stages
from bench import welcome
from bench.proc_meter import children, memory_mb
from bench.workload import USERS
from fakewechat.state import FakeWeChat
from storage.database import create_engine

WINDOW_S = 30
POINTS_PER_MESSAGE = 10  # bench/callback_keywords.csv, rule `price`
TARGET_LAG_S = 2.0
TARGET_GROWTH = 0.03


@dataclass
class Sample:
    at_s: float
    sent: int
    p99_ms: float
    backlog: int
    leads: int
    rss_mb: dict[int, float]


@dataclass
class Soak:
    samples: list[Sample] = field(default_factory=list)
    adds: list[welcome.Add] = field(default_factory=list)
    started: float = 0.0


def wave_round(minutes: float, rate: float) -> int:
    """The message round (1-based) on which every follower qualifies: ~40 % into the run."""
    return max(2, int(0.4 * minutes * 60 * rate / USERS) + 1)


async def _count(database_url: str, sql: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def _play_adds(adds: welcome.Adds, per_s: float, stop: asyncio.Event) -> list[welcome.Add]:
    played: list[welcome.Add] = []
    while not stop.is_set():
        played += await adds.play(per_s, 5.0)
    return played


async def run(args: argparse.Namespace, directory: Path) -> None:
    qualify = wave_round(args.minutes, args.rate) * POINTS_PER_MESSAGE
    await welcome.run_with_wecom(args, directory, _soak, qualify_score=qualify)


async def _soak(
    bench: stages.Bench, fake: FakeWeChat, wxbot: srv.Server, database_url: str
) -> None:
    args = bench.args
    qualify = wave_round(args.minutes, args.rate) * POINTS_PER_MESSAGE
    await asyncio.sleep(1.0)  # every child up, not only the first to answer
    wxbot.pids = [wxbot.process.pid, *children(wxbot.process.pid)]
    bench.expected_rate["wxbot"] = args.rate
    print(_header(bench, qualify), flush=True)
    # A connection per add: a kept-alive one the server closed meanwhile would fail one.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        soak = await _load(bench, wxbot, welcome.Adds(fake, http, wxbot.url), database_url)
    ended = time.monotonic()
    while await srv.healthz_backlog(bench.http, wxbot.url) > 0:
        await asyncio.sleep(0.1)
    drained = time.monotonic() - ended
    latencies = await _welcome_latencies(fake, soak.adds)
    await _report(soak, drained, latencies, database_url)


async def _load(
    bench: stages.Bench, wxbot: srv.Server, adds: welcome.Adds, database_url: str
) -> Soak:
    args = bench.args
    soak, stop = Soak(started=time.time()), asyncio.Event()
    playing = asyncio.create_task(_play_adds(adds, args.adds_per_s, stop))
    print(" at    sent   p99 ms  backlog  leads  RSS MB per process", flush=True)
    for _ in range(max(1, round(args.minutes * 60 / WINDOW_S))):
        run = await bench.load(wxbot, WINDOW_S, rate=args.rate)
        sample = Sample(
            at_s=time.time() - soak.started,
            sent=run.load.requests,
            p99_ms=run.load.p99_ms,
            backlog=await srv.healthz_backlog(bench.http, wxbot.url),
            leads=await _count(database_url, "SELECT count(*) FROM leads"),
            rss_mb={pid: memory_mb(pid)[0] for pid in wxbot.pids},
        )
        soak.samples.append(sample)
        rss = "  ".join(f"{pid}:{mb:.0f}" for pid, mb in sample.rss_mb.items())
        print(
            f"{sample.at_s:4.0f}s {sample.sent:6d} {sample.p99_ms:7.1f} {sample.backlog:8d}"
            f" {sample.leads:6d}  {rss}",
            flush=True,
        )
    stop.set()
    soak.adds = await playing
    return soak


async def _welcome_latencies(
    fake: FakeWeChat, adds: list[welcome.Add]
) -> list[tuple[float, float | None]]:
    """(posted, seconds to its welcome or None), once every window has closed."""
    last = max((a.posted for a in adds), default=time.time())
    await asyncio.sleep(max(0.0, last + welcome.WINDOW_S + 1 - time.time()))
    arrived = {w.code: w.at for w in fake.welcomes}
    return [(a.posted, arrived[a.code] - a.posted if a.code in arrived else None) for a in adds]


LAG_SQL = """
SELECT floor(extract(epoch FROM received_at) / {window}) * {window} AS window,
       count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - received_at)),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM applied_at - received_at)),
       max(extract(epoch FROM applied_at - received_at))
FROM inbound_events WHERE applied_at IS NOT NULL GROUP BY 1 ORDER BY 1
"""
LEADS_SQL = """
SELECT floor(extract(epoch FROM created_at) / {window}) * {window}, count(*)
FROM leads GROUP BY 1
"""


async def _report(
    soak: Soak, drained_s: float, welcomes: list[tuple[float, float | None]], database_url: str
) -> None:
    print(f"\nbacklog drained {drained_s:.1f} s after the load stopped (target: within 15 s)")
    _report_memory(soak.samples)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            lags = (await connection.execute(text(LAG_SQL.format(window=WINDOW_S)))).all()
            rows = await connection.execute(text(LEADS_SQL.format(window=WINDOW_S)))
            leads: dict[float, int] = {row[0]: int(row[1]) for row in rows}
    finally:
        await engine.dispose()
    print(
        f"\nper {WINDOW_S} s window (by arrival): events, their wait for effects p50/p99/max;"
        f" leads made; welcomes p50/p99/max, never came (targets: ≤ {TARGET_LAG_S:g} s)"
    )
    worst_event = worst_welcome = 0.0
    for window, count, p50, p99, most in lags:
        made = int(leads.get(window, 0))
        inside = [lat for posted, lat in welcomes if window <= posted < window + WINDOW_S]
        came = sorted(lat for lat in inside if lat is not None)
        missing = len(inside) - len(came)
        wave = "  <- wave" if made > USERS / 10 else ""
        welcome_text = (
            f"{welcome.percentile(came, 0.5):5.2f} / {welcome.percentile(came, 0.99):5.2f} /"
            f" {max(came, default=0.0):5.2f} s, {missing} never"
        )
        print(
            f"  {window - lags[0][0]:5.0f}s {count:6d} events {p50:5.2f} / {p99:5.2f} /"
            f" {most:5.2f} s  leads {made:5d}  welcomes {welcome_text}{wave}"
        )
        worst_event, worst_welcome = max(worst_event, p99), max(worst_welcome, max(came, default=0))
    mark = "ok" if worst_event <= TARGET_LAG_S and worst_welcome <= TARGET_LAG_S else "MISSED"
    print(
        f"worst window: events p99 {worst_event:.2f} s, welcomes max {worst_welcome:.2f} s"
        f" (≤ {TARGET_LAG_S:g} s: {mark})"
    )


def _report_memory(samples: list[Sample]) -> None:
    half = samples[len(samples) // 2 - 1] if len(samples) > 1 else samples[0]
    last = samples[-1]
    print("RSS growth over the second half of the load, per process (target: < 3 %):")
    for pid, start in half.rss_mb.items():
        end = last.rss_mb.get(pid, 0.0)
        growth = (end - start) / start if start else 0.0
        mark = "ok" if growth < TARGET_GROWTH else "MISSED"
        print(
            f"  {pid}: {start:.1f} MB at {half.at_s:.0f} s → {end:.1f} MB ({growth:+.1%}: {mark})"
        )


def _header(bench: stages.Bench, qualify: int) -> str:
    args = bench.args
    storage = "postgresql" if bench.pg_dsn else "sqlite"
    cache = "redis" if args.redis_url else "in-process cache"
    wave_at = (qualify / POINTS_PER_MESSAGE - 1) * USERS / args.rate
    return (
        f"soak: {args.rate:g} msg/s for {args.minutes:g} min, {USERS} followers, 10 points a"
        f" message, qualify_score {qualify} (the wave at ~{wave_at:.0f}"
        f" s); {args.adds_per_s:g} WeCom adds/s; {storage} + {cache}; `wxbot serve`, defaults"
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load lasts")
    parser.add_argument("--rate", type=float, default=200.0, help="messages a second")
    parser.add_argument("--adds-per-s", type=float, default=1.0, help="WeCom adds a second")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t")
    parser.add_argument("--min-distinct", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--python-client", action="store_true", help="use the Python client")
    parser.add_argument("--database-url", required=True, help="PostgreSQL server (bench_<pid>)")
    parser.add_argument("--redis-url", default="", help="a spare Redis DB (its wxbot: keys go)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main(sys.argv[1:])
