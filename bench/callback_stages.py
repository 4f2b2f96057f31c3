"""The stages of bench/callback.py: each server measured alike, then wxbot's extra figures."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench import callback_servers as srv
from bench import wrk_client
from bench.proc_meter import CpuMeter, children, cpu_seconds, memory_mb
from bench.workload import Workload

ROUTE = "/wechat/main"
WEROBOT_MSG_S = 1800  # issue 10: WeRoBot 1.13 on gunicorn, one sync worker, no storage


@dataclass
class Run:
    load: wrk_client.LoadResult
    cpu_us: dict[str, float]  # CPU µs per message, per process (group)
    drain_s: float | None = None  # effects backlog drained this long after the load stopped
    backlog_at_end: int | None = None
    cpu_drain_us: dict[str, float] | None = None  # the same, load plus drain


class Bench:
    def __init__(self, args: argparse.Namespace, directory: Path) -> None:
        self.args = args
        self.dir = directory
        self.workload = Workload()
        self.use_wrk = wrk_client.WRK is not None and not args.python_client
        self.expected_rate: dict[str, float] = {}
        self.shared: dict[str, list[int]] = {}  # redis, postgres background: shared processes
        self.pg_dsn = ""
        self.pg_database = ""
        self.http = aiohttp.ClientSession()

    def _distinct(self, name: str, seconds: float) -> int:
        rate = self.expected_rate.get(name, 5000.0)
        return max(int(self.args.min_distinct), int(rate * seconds * 1.25))

    async def _groups(self, server: srv.Server) -> dict[str, list[int]]:
        groups = {f"{server.name}[{pid}]": [pid] for pid in server.pids}
        if self.pg_dsn:
            backends, _ = await srv.postgres_pids(self.pg_dsn, self.pg_database)
            groups["postgres backends"] = backends
        return {**groups, **self.shared}

    async def load(
        self, server: srv.Server, seconds: float, *, delay_ms: float = 0.0, drain: bool = False
    ) -> Run:
        count = self._distinct(server.name, seconds) if self.use_wrk else self._python_count()
        callbacks = list(self.workload.callbacks(count))
        requests_file = self.dir / "requests.txt"
        wrk_client.write_requests(requests_file, callbacks, ROUTE)
        meter = CpuMeter(await self._groups(server))
        if self.use_wrk:
            result = await asyncio.to_thread(
                wrk_client.run_wrk,
                server.url,
                requests_file,
                count,
                seconds=seconds,
                connections=self.args.connections,
                threads=self.args.threads,
                delay_ms=delay_ms,
            )
        else:
            connections = self.args.connections
            result = await wrk_client.run_python(server.url, ROUTE, callbacks, connections)
        ended = time.monotonic()
        if self.pg_dsn:
            backends, _ = await srv.postgres_pids(self.pg_dsn, self.pg_database)
            meter.add("postgres backends", backends)
        spent = meter.read()
        spent["client (wrk)" if self.use_wrk else "client (python)"] = result.client_cpu_s
        run = Run(result, {k: v / max(1, result.requests) * 1e6 for k, v in spent.items()})
        if delay_ms == 0:
            previous = self.expected_rate.get(server.name, 0.0)
            self.expected_rate[server.name] = max(previous, result.rate)
        if drain:
            run.backlog_at_end = await srv.healthz_backlog(self.http, server.url)
            while await srv.healthz_backlog(self.http, server.url) > 0:
                await asyncio.sleep(0.1)
            run.drain_s = time.monotonic() - ended
            total = meter.read()
            total.pop("client (wrk)", None)
            run.cpu_drain_us = {k: v / max(1, result.requests) * 1e6 for k, v in total.items()}
        return run

    def _python_count(self) -> int:
        return max(int(self.args.min_distinct) // 3, 3000)

    async def warm(self, server: srv.Server) -> None:
        await self.load(server, min(2.0, self.args.seconds), drain=server.name.startswith("wxbot"))


def _line(name: str, run: Run) -> str:
    load = run.load
    replayed = f"  ({load.replayed} replayed)" if load.replayed else ""
    errors = f"  ERRORS {load.errors}" if load.errors else ""
    text = (
        f"  {name:<14} {load.rate:7.0f} msg/s  p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms"
        f"  {load.requests} msgs / {load.distinct} distinct{replayed}{errors}"
    )
    if run.drain_s is not None:
        text += f"\n  {'':<14} backlog {run.backlog_at_end} at load end,"
        text += f" drained in {run.drain_s:.1f} s"
    return text


def _cpu_line(name: str, cpu: dict[str, float]) -> str:
    parts = "  ".join(f"{group} {us:.0f}" for group, us in cpu.items())
    return f"  {name:<14} {parts}  (total {sum(cpu.values()):.0f})"


def _median(runs: list[Run]) -> float:
    return statistics.median(run.load.rate for run in runs)


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


async def _start_ready(name: str, argv: list[str], port: int, probe: str) -> srv.Server:
    server = srv.start(name, argv, port)
    await srv.wait_until_up(server, probe)
    return server


async def run_all(args: argparse.Namespace, directory: Path) -> None:
    bench = Bench(args, directory)
    pg = args.database_url.startswith("postgresql")
    redis_url = args.redis_url
    scratch = f"bench_{os.getpid()}"
    if pg:
        await srv.create_scratch_database(args.database_url, scratch)
        database_url = srv.with_database(args.database_url, scratch)
        bench.pg_dsn, bench.pg_database = srv.asyncpg_dsn(database_url), scratch
        bench.shared["postgres wal/bg"] = (await srv.postgres_pids(bench.pg_dsn, scratch))[1]
    else:
        database_url = f"sqlite+aiosqlite:///{directory}/bench.db"
    if redis_url:
        bench.shared["redis (shared)"] = await srv.redis_pid(redis_url)
    servers: list[srv.Server] = []
    try:
        await _measure_all(bench, servers, database_url)
    finally:
        for server in servers:
            server.stop()
        await bench.http.close()
        if pg:
            await srv.drop_scratch_database(args.database_url, scratch)
        if redis_url:
            await srv.clean_redis(redis_url)


@dataclass
class Results:
    runs: dict[str, list[Run]]
    memory1: tuple[float, float]
    paced: tuple[Run, float]
    saturation: float
    memory2: dict[str, tuple[float, float]]
    consumer: tuple[int, float, float, float]


async def _measure_all(bench: Bench, servers: list[srv.Server], database_url: str) -> None:
    port = srv.free_port()
    config = srv.write_bot_config(bench.dir, port, database_url, bench.args.redis_url)
    runs, memory1, paced, saturation = await _one_process(bench, servers, config, port)
    memory2: dict[str, tuple[float, float]] = {}
    if bench.args.redis_url:
        runs["wxbot2"], memory2 = await _two_processes(bench, servers, config, port, saturation)
    consumer = await _consumer_alone(bench, config, port, database_url)
    report(bench, Results(runs, memory1, paced, saturation, memory2, consumer))


async def _one_process(
    bench: Bench, servers: list[srv.Server], config: Path, port: int
) -> tuple[dict[str, list[Run]], tuple[float, float], tuple[Run, float], float]:
    """The baselines and wxbot in one process, each repeat in turn; then wxbot paced."""
    args = bench.args
    base_port = srv.free_port()
    targets = [
        await _start_ready(
            "baseline", ["bench.callback", "--serve-baseline", str(base_port)], base_port, ROUTE
        )
    ]
    servers.append(targets[0])
    if bench.pg_dsn and args.redis_url:
        durable_port = srv.free_port()
        argv = ["bench.durable_baseline", str(durable_port), bench.pg_dsn, args.redis_url]
        targets.append(await _start_ready("durable", argv, durable_port, ROUTE))
        servers.append(targets[-1])
    wxbot = await _start_ready("wxbot", ["bot", "serve", "--config", str(config)], port, "/healthz")
    servers.append(wxbot)
    targets.append(wxbot)
    print(_header(bench), flush=True)
    runs: dict[str, list[Run]] = {t.name: [] for t in targets}
    for target in targets:
        await bench.warm(target)
    for _ in range(args.repeat):
        for target in targets:
            runs[target.name].append(await bench.load(target, args.seconds, drain=target is wxbot))
    memory = memory_mb(wxbot.process.pid)
    saturation = _median(runs["wxbot"])
    paced = await _paced(bench, wxbot, 0.8 * saturation)
    wxbot.stop()
    servers.remove(wxbot)
    return runs, memory, paced, saturation


async def _two_processes(
    bench: Bench, servers: list[srv.Server], config: Path, port: int, saturation: float
) -> tuple[list[Run], dict[str, tuple[float, float]]]:
    argv = ["bot", "serve", "--config", str(config), "--workers", "2"]
    wxbot2 = srv.start("wxbot2", argv, port)
    servers.append(wxbot2)
    await srv.wait_until_up(wxbot2, "/healthz")
    await asyncio.sleep(1.0)  # both children up, not only the first to answer
    master = wxbot2.process.pid
    wxbot2.pids = [master, *children(master)]
    bench.expected_rate["wxbot2"] = saturation * 1.5
    await bench.warm(wxbot2)
    runs = [
        await bench.load(wxbot2, bench.args.seconds, drain=True) for _ in range(bench.args.repeat)
    ]
    memory = {
        f"{'master' if pid == master else 'worker'} {pid}": memory_mb(pid) for pid in wxbot2.pids
    }
    wxbot2.stop()
    servers.remove(wxbot2)
    return runs, memory


def _header(bench: Bench) -> str:
    args = bench.args
    client = "wrk" if bench.use_wrk else "Python aiohttp client (wrk not found: its CPU is counted)"
    storage = "postgresql" if bench.pg_dsn else "sqlite"
    cache = "redis" if args.redis_url else "in-process cache"
    return (
        f"client: {client}, -t{args.threads} -c{args.connections}, {args.seconds:g} s a run,"
        f" {args.repeat} repeats; {storage} + {cache}; {srv.KEYWORDS.name}:"
        " every message hits rule `price` (2 tags, 10 points)"
    )


def report(bench: Bench, res: Results) -> None:
    runs = res.runs
    wxbots = [n for n in ("wxbot", "wxbot2") if n in runs]
    print("\nhot path (each run, then the median):")
    for name, name_runs in runs.items():
        for run in name_runs:
            print(_line(name, run))
        print(f"  {name:<14} median {_median(name_runs):7.0f} msg/s")
    base = _median(runs["baseline"])
    ceiling = _median(runs["durable"]) if "durable" in runs else None
    print("\nratios of medians (target):")
    for name in wxbots:
        rate = _median(runs[name])
        print(f"  {name}/baseline {rate / base:.2f} (>= 0.68: {_mark(rate / base >= 0.68)})")
        werobot = f"1.4x WeRoBot's {WEROBOT_MSG_S}"
        print(f"  {name} {rate:.0f} msg/s (>= 2520, {werobot}: {_mark(rate >= 2520)})")
        if ceiling:
            print(
                f"  {name}/durable {rate / ceiling:.2f} (>= 0.90: {_mark(rate / ceiling >= 0.9)})"
            )
    if ceiling:
        print(f"  durable/baseline {ceiling / base:.2f} (issue 10 measured 0.74-0.75)")

    print("\neffects backlog after each run at saturation (target: drained within 15 s):")
    for name in wxbots:
        worst = max(run.drain_s or 0.0 for run in runs[name])
        print(f"  {name:<14} worst drain {worst:.1f} s: {_mark(worst <= 15)}")
    backlog, rate, cpu_us, startup_s = res.consumer
    print(
        f"\nconsumer alone (`wxbot worker`, 1 process) on a backlog of {backlog} events:"
        f" {rate:.0f} events/s (>= 5000: {_mark(rate >= 5000)}), {cpu_us:.0f} µs CPU per event"
        f" in the worker; first batch applied {startup_s:.1f} s after launch (not counted)"
    )
    paced, delay_ms = res.paced
    print(
        f"\np99 at 80 % of saturation (wrk paced by delay() at {delay_ms:.2f} ms per request"
        " per connection; fixed connections, so wrk's coordinated omission applies):"
    )
    print(_line("wxbot", paced))
    share = paced.load.rate / res.saturation * 100
    print(
        f"  {'':<14} {share:.0f} % of {res.saturation:.0f} msg/s;"
        f" p99 < 50 ms: {_mark(paced.load.p99_ms < 50)}"
    )
    print("\nCPU µs per message per process (median run; during the load, then load + drain):")
    for name, name_runs in runs.items():
        run = sorted(name_runs, key=lambda r: r.load.rate)[len(name_runs) // 2]
        print(_cpu_line(name, run.cpu_us))
        if run.cpu_drain_us:
            print(_cpu_line("  +drain", run.cpu_drain_us))
    _memory_report(res.memory1, res.memory2)


def _memory_report(one: tuple[float, float], two: dict[str, tuple[float, float]]) -> None:
    print("\nmemory of the serving processes, MB (after the load):")
    print(f"  1 process           RSS {one[0]:6.1f}  PSS {one[1]:6.1f}")
    for role, (rss, pss) in two.items():
        print(f"  2 workers: {role:<8} RSS {rss:6.1f}  PSS {pss:6.1f}")
    if two:
        rss_sum = sum(m[0] for m in two.values())
        pss_sum = sum(m[1] for m in two.values())
        print(
            f"  2 workers, all processes: RSS sum {rss_sum:.1f} ({rss_sum / one[0]:.2f}x one),"
            f" PSS sum {pss_sum:.1f} ({pss_sum / one[1]:.2f}x one; < 1.3x:"
            f" {_mark(pss_sum < 1.3 * one[1])})"
        )


async def _paced(bench: Bench, server: srv.Server, target: float) -> tuple[Run, float]:
    """wrk at `target` msg/s: delay() per request, corrected by short probes for the latency."""
    connections = bench.args.connections
    delay_s = connections / target
    for _ in range(3):
        probe = await bench.load(server, min(2.0, bench.args.seconds), delay_ms=delay_s * 1000)
        if abs(probe.load.rate / target - 1) < 0.04:
            break
        latency_s = max(0.0, connections / probe.load.rate - delay_s)
        delay_s = max(0.0001, connections / target - latency_s)
    await _drained(bench, server)
    run = await bench.load(server, bench.args.seconds, delay_ms=delay_s * 1000, drain=True)
    return run, delay_s * 1000


async def _drained(bench: Bench, server: srv.Server) -> None:
    while await srv.healthz_backlog(bench.http, server.url) > 0:
        await asyncio.sleep(0.1)


async def _consumer_alone(
    bench: Bench, config: Path, port: int, database_url: str
) -> tuple[int, float, float, float]:
    """Append a backlog with no consumer running, then time `wxbot worker` alone on it."""
    appender = await _start_ready(
        "append-only", ["bench.callback", "--serve-append-only", str(config)], port, "/healthz"
    )
    try:
        bench.expected_rate["append-only"] = bench.expected_rate.get("wxbot", 3000.0)
        await bench.load(appender, bench.args.seconds)
    finally:
        appender.stop()
    backlog = await srv.unapplied_events(database_url)
    launched = time.monotonic()
    worker = srv.start("worker", ["bot", "worker", "--config", str(config)], port)
    try:
        first: tuple[float, int, float] | None = None
        remaining = backlog
        while remaining > 0:
            await asyncio.sleep(0.1)
            remaining = await srv.unapplied_events(database_url)
            if first is None and remaining < backlog:
                first = (time.monotonic(), remaining, cpu_seconds(worker.process.pid))
            if worker.process.poll() is not None:
                raise RuntimeError("wxbot worker exited")
        done_at, cpu_done = time.monotonic(), cpu_seconds(worker.process.pid)
    finally:
        worker.stop()
    if first is None:
        raise RuntimeError("the backlog was empty: nothing for the consumer to apply")
    applied = first[1]
    rate = applied / max(1e-6, done_at - first[0])
    return backlog, rate, (cpu_done - first[2]) / max(1, applied) * 1e6, first[0] - launched
