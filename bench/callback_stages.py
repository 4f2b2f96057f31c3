"""The stages of bench/callback.py: each server measured alike, then wxbot's extra figures."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.util import find_spec
from pathlib import Path

import aiohttp

from bench import callback_servers as srv
from bench import wrk_client
from bench.callback_report import ConsumerFigures, Memory, Results, Run, median, report
from bench.proc_meter import CpuMeter, children, memory_mb
from bench.workload import Workload
from bot.testing.wechat_player import Callback

ROUTE = "/wechat/main"
IN_PROCESS = "wxbot in-process"
RETRIES = "wxbot retries"
WEROBOT = "werobot"
WEROBOT_INSTALLED = bool(find_spec("werobot") and find_spec("gunicorn"))  # the `bench` extra


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
        self.database_url = ""
        self.http = aiohttp.ClientSession()
        self._sent: list[Callback] = []  # the messages of the last load, as far as it got

    def _distinct(self, name: str, seconds: float) -> int:
        rate = self.expected_rate.get(name, 5000.0)
        return max(int(self.args.min_distinct), int(rate * seconds * 1.6))

    async def _groups(self, server: srv.Server) -> dict[str, list[int]]:
        groups = {f"{server.name}[{pid}]": [pid] for pid in server.pids}
        if self.pg_dsn:
            backends, _ = await srv.postgres_pids(self.pg_dsn, self.pg_database)
            groups["postgres backends"] = backends
        return {**groups, **self.shared}

    async def load(
        self, server: srv.Server, seconds: float, *, rate: float = 0.0, drain: bool = False
    ) -> Run:
        count = self._distinct(server.name, seconds) if self.use_wrk else self._python_count()
        print(f"  ... {server.name}: {count} distinct messages, {seconds:g} s", file=sys.stderr)
        self._sent = list(self.workload.callbacks(count))
        run = await self._send(server, self._sent, seconds, rate=rate, drain=drain)
        if not rate:
            previous = self.expected_rate.get(server.name, 0.0)
            self.expected_rate[server.name] = max(previous, run.load.rate)
        del self._sent[run.load.requests :]  # what the retries run may send again
        return run

    async def retries(self, server: srv.Server, seconds: float) -> Run:
        """The last run's messages sent again, every one answered before: WeChat's retries
        of callbacks whose answer it did not see in time."""
        print(f"  ... {server.name}: {len(self._sent)} messages again", file=sys.stderr)
        run = await self._send(server, self._sent, seconds)
        run.load = dataclasses.replace(run.load, distinct=0)  # every request is a retry
        return run

    async def _send(
        self,
        server: srv.Server,
        callbacks: list[Callback],
        seconds: float,
        *,
        rate: float = 0.0,
        drain: bool = False,
    ) -> Run:
        requests_file = self.dir / "requests.txt"
        wrk_client.write_requests(requests_file, callbacks, ROUTE)
        meter = CpuMeter(await self._groups(server))
        if self.use_wrk:
            result = await asyncio.to_thread(
                wrk_client.run_wrk,
                server.url,
                requests_file,
                len(callbacks),
                seconds=seconds,
                connections=self.args.connections,
                threads=self.args.threads,
                rate=rate,
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


async def _start_ready(name: str, argv: list[str], port: int, probe: str) -> srv.Server:
    server = srv.start(name, argv, port)
    await srv.wait_until_up(server, probe)
    return server


async def run_all(args: argparse.Namespace, directory: Path) -> None:
    bench = Bench(args, directory)
    servers: list[srv.Server] = []
    try:
        async with scratch_storage(bench) as database_url:
            try:
                await _measure_all(bench, servers, database_url)
            finally:
                for server in servers:
                    server.stop()
    finally:
        await bench.http.close()


@asynccontextmanager
async def scratch_storage(bench: Bench) -> AsyncIterator[str]:
    """A database of its own for the run (`bench_<pid>` on the PostgreSQL server, else a
    SQLite file), and the Redis DB cleaned after it; the database URL."""
    args = bench.args
    pg = args.database_url.startswith("postgresql")
    scratch = f"bench_{os.getpid()}"
    if pg:
        await srv.create_scratch_database(args.database_url, scratch)
        database_url = srv.with_database(args.database_url, scratch)
        bench.pg_dsn, bench.pg_database = srv.asyncpg_dsn(database_url), scratch
        bench.shared["postgres wal/bg"] = (await srv.postgres_pids(bench.pg_dsn, scratch))[1]
    else:
        database_url = f"sqlite+aiosqlite:///{bench.dir}/bench.db"
    if args.redis_url:
        bench.shared["redis (shared)"] = await srv.redis_pid(args.redis_url)
    try:
        yield database_url
    finally:
        if pg:
            await srv.drop_scratch_database(args.database_url, scratch)
        if args.redis_url:
            await srv.clean_redis(args.redis_url)


async def _measure_all(bench: Bench, servers: list[srv.Server], database_url: str) -> None:
    port = srv.free_port()
    bench.database_url = database_url
    config = srv.write_bot_config(bench.dir, port, database_url, bench.args.redis_url)
    runs, memory1, paced, saturation = await _one_process(bench, servers, config, port)
    memory2: dict[str, Memory] = {}
    if bench.args.redis_url:
        two, memory2 = await _two_processes(bench, servers, config, port, saturation)
        runs.update(two)
    durable = next((server for server in servers if server.name == "durable"), None)
    consumer = await _consumer_alone(bench, config, port, database_url, durable)
    report(Results(runs, memory1, paced, saturation, memory2, consumer, _header(bench)))


async def _one_process(
    bench: Bench, servers: list[srv.Server], config: Path, port: int
) -> tuple[dict[str, list[Run]], dict[str, Memory], tuple[Run, float], float]:
    """The baselines and wxbot in one process, each repeat in turn; then wxbot paced."""
    args = bench.args
    base_port = srv.free_port()
    targets = [
        await _start_ready(
            "baseline", ["bench.callback", "--serve-baseline", str(base_port)], base_port, ROUTE
        )
    ]
    servers.append(targets[0])
    if WEROBOT_INSTALLED:
        targets.append(await _werobot(WEROBOT, workers=1))  # gunicorn's default, as wxbot's
        servers.append(targets[-1])
    if bench.pg_dsn and args.redis_url:
        durable_port = srv.free_port()
        argv = ["bench.durable_baseline", str(durable_port), bench.pg_dsn, args.redis_url]
        targets.append(await _start_ready("durable", argv, durable_port, ROUTE))
        servers.append(targets[-1])
    if args.redis_url:
        # The old layout, the stage in the serving process, for a comparison in the same
        # run with the default (a stage process).
        old_port = srv.free_port()
        old_config = srv.write_bot_config(bench.dir, old_port, bench.database_url, args.redis_url)
        argv = ["bot", "serve", "--config", str(old_config), "--no-stage-process"]
        targets.append(await _start_ready(IN_PROCESS, argv, old_port, "/healthz"))
        servers.append(targets[-1])
    wxbot = await _start_ready("wxbot", ["bot", "serve", "--config", str(config)], port, "/healthz")
    await asyncio.sleep(1.0)  # every child up, not only the first to answer
    wxbot.pids = [wxbot.process.pid, *children(wxbot.process.pid)]
    servers.append(wxbot)
    targets.append(wxbot)
    runs: dict[str, list[Run]] = {t.name: [] for t in targets}
    for target in targets:
        await bench.warm(target)
    for _ in range(args.repeat):
        for target in targets:
            drain = target.name in {"wxbot", IN_PROCESS}
            runs[target.name].append(await bench.load(target, args.seconds, drain=drain))
    # Right after a wxbot run: its messages again, each a retry of a stored callback.
    runs[RETRIES] = [await bench.retries(wxbot, args.seconds)]
    memory = {_role(wxbot, pid): memory_mb(pid) for pid in wxbot.pids}
    saturation = median(runs["wxbot"])
    paced = await _paced(bench, wxbot, 0.8 * saturation)
    for server in [t for t in targets if t.name.startswith("wxbot")]:
        server.stop()
        servers.remove(server)
    return runs, memory, paced, saturation


async def _werobot(name: str, *, workers: int) -> srv.Server:
    """WeRoBot on gunicorn with `workers` sync workers (bench/werobot_baseline.py)."""
    port = srv.free_port()
    server = await _start_ready(
        name, ["bench.werobot_baseline", str(port), str(workers)], port, ROUTE
    )
    server.pids = [server.process.pid, *children(server.process.pid)]
    return server


def _role(server: srv.Server, pid: int) -> str:
    """master, edge or stage (the last child `serve` forks runs the effects stage)."""
    if pid == server.process.pid:
        return f"master {pid}" if len(server.pids) > 1 else f"process {pid}"
    return f"{'stage' if pid == server.pids[-1] else 'edge'} {pid}"


async def _two_processes(
    bench: Bench, servers: list[srv.Server], config: Path, port: int, saturation: float
) -> tuple[dict[str, list[Run]], dict[str, Memory]]:
    """wxbot with two serving processes, and WeRoBot with two workers, in turn."""
    argv = ["bot", "serve", "--config", str(config), "--workers", "2"]
    wxbot2 = srv.start("wxbot2", argv, port)
    servers.append(wxbot2)
    await srv.wait_until_up(wxbot2, "/healthz")
    await asyncio.sleep(1.0)  # both children up, not only the first to answer
    master = wxbot2.process.pid
    wxbot2.pids = [master, *children(master)]
    bench.expected_rate["wxbot2"] = saturation * 1.5
    targets = [wxbot2]
    if WEROBOT_INSTALLED:
        targets.append(await _werobot(f"{WEROBOT}2", workers=2))
        servers.append(targets[-1])
    runs: dict[str, list[Run]] = {t.name: [] for t in targets}
    for target in targets:
        await bench.warm(target)
    for _ in range(bench.args.repeat):
        for target in targets:
            drain = target is wxbot2
            runs[target.name].append(await bench.load(target, bench.args.seconds, drain=drain))
    memory = {_role(wxbot2, pid): memory_mb(pid) for pid in wxbot2.pids}
    for target in targets:
        target.stop()
        servers.remove(target)
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


async def _paced(bench: Bench, server: srv.Server, target: float) -> tuple[Run, float]:
    """wrk paced at `target` msg/s after a drained backlog: the latency at that load."""
    await drained(bench, server)
    run = await bench.load(server, bench.args.seconds, rate=target, drain=True)
    return run, target


async def drained(bench: Bench, server: srv.Server) -> None:
    while await srv.healthz_backlog(bench.http, server.url) > 0:
        await asyncio.sleep(0.1)


async def _consumer_alone(
    bench: Bench, config: Path, port: int, database_url: str, durable: srv.Server | None
) -> ConsumerFigures:
    """Append a backlog with no consumer running, then time `wxbot worker` alone on it.

    The appending runs are the request path alone, each right after a run of the durable
    program (when there is one): the pairs give the request path's ratio.
    """
    appender = await _start_ready(
        "wxbot hot only",
        ["bench.callback", "--serve-append-only", str(config)],
        port,
        "/healthz",
    )
    servers_pg = bench.pg_dsn
    try:
        bench.expected_rate[appender.name] = bench.expected_rate.get("wxbot", 3000.0) * 1.5
        await bench.load(appender, min(2.0, bench.args.seconds))  # warm
        appended, durable_pairs = [], []
        for _ in range(bench.args.repeat):
            if durable is not None:
                durable_pairs.append(await bench.load(durable, bench.args.seconds))
            appended.append(await bench.load(appender, bench.args.seconds))
    finally:
        appender.stop()
    probe = srv.BacklogProbe(database_url)
    try:
        backlog = await probe.count()
        own = [await probe.backend_pid()] if servers_pg else []
        launched = time.monotonic()
        worker = srv.start("worker", ["bot", "worker", "--config", str(config)], port)
        try:
            remaining = backlog
            while remaining == backlog:  # imports, jieba, pools: not the consumer's rate
                await asyncio.sleep(0.05)
                remaining = await probe.count()
                if worker.process.poll() is not None:
                    raise RuntimeError("wxbot worker exited")
            started, first = time.monotonic(), remaining
            backends = await _backends(bench, own)
            meter = CpuMeter({"worker": [worker.process.pid], "postgres": backends})
            while remaining > 0:
                await asyncio.sleep(0.05)
                remaining = await probe.count()
            meter.add("postgres", await _backends(bench, own))
            spent, done_at = meter.read(), time.monotonic()
        finally:
            worker.stop()
    finally:
        await probe.close()
    return ConsumerFigures(
        appended=appended,
        durable_pairs=durable_pairs,
        backlog=backlog,
        events_s=first / max(1e-6, done_at - started),
        worker_cpu_us=spent["worker"] / max(1, first) * 1e6,
        postgres_cpu_us=spent["postgres"] / max(1, first) * 1e6,
        startup_s=started - launched,
    )


async def _backends(bench: Bench, leave_out: list[int]) -> list[int]:
    if not bench.pg_dsn:
        return []
    backends, _ = await srv.postgres_pids(bench.pg_dsn, bench.pg_database)
    return [pid for pid in backends if pid not in leave_out]
