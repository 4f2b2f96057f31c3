"""The load client of the callback benchmark: wrk replaying a file of callbacks.

wrk (C, epoll) spends a few µs per request, so the cores stay with the servers
being measured; a Python client spends about 180 µs per message on the same two
cores. Where wrk is missing, a Python (aiohttp) client replays the same file and
the output says so.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bot.testing.wechat_player import Callback

LUA_SCRIPT = Path(__file__).resolve().parent / "replay.lua"
WRK = shutil.which("wrk")
_RESULT = re.compile(r"WRK_RESULT (.*)")


@dataclass(frozen=True)
class LoadResult:
    requests: int  # answered in the measured window
    seconds: float
    distinct: int  # distinct callbacks in the file; more requests than this are retries
    errors: int  # non-2xx answers and socket errors
    p50_ms: float
    p99_ms: float
    client_cpu_s: float  # wrk's CPU time, or this process's for the Python client
    error_kinds: str = ""  # which errors, as wrk counts them ("non2xx 3, timeout 2")

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def replayed(self) -> int:
        return max(0, self.requests - self.distinct)


def write_requests(path: Path, callbacks: Iterable[Callback], route: str) -> int:
    """One callback a line, "path?query<TAB>body", as replay.lua reads it."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for callback in callbacks:
            body = callback.body.decode()
            if "\t" in body or "\n" in body:
                raise ValueError("a body holds a tab or newline: replay.lua splits lines on them")
            out.write(f"{route}?{urlencode(callback.query)}\t{body}\n")
            count += 1
    return count


def run_wrk(
    base_url: str,
    requests_file: Path,
    distinct: int,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    rate: float = 0.0,
) -> LoadResult:
    """Run wrk for `seconds`, as fast as it goes or paced at `rate` requests a second
    (blocking: the caller does nothing else meanwhile)."""
    if WRK is None:
        raise RuntimeError("wrk is not installed")
    env = {**os.environ, "WXBOT_BENCH_RATE": f"{rate:.3f}" if rate > 0 else ""}
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    command += ["-s", str(LUA_SCRIPT), base_url, "--", str(requests_file), str(threads)]
    process = subprocess.Popen(  # noqa: S603 - the wrk binary found on PATH
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    before = _children_cpu_s()
    output, _ = process.communicate(timeout=seconds + 60)
    # wrk is gone from /proc once reaped; its CPU time is in our children's rusage.
    client_cpu_s = _children_cpu_s() - before
    match = _RESULT.search(output)
    if process.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    fields = {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())}
    kinds = {k: fields[k] for k in ("non2xx", "connect", "read", "write", "timeout") if fields[k]}
    errors = sum(kinds.values())
    return LoadResult(
        requests=fields["requests"],
        seconds=fields["duration_us"] / 1e6,
        distinct=distinct,
        errors=errors,
        p50_ms=fields["p50_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
        client_cpu_s=client_cpu_s,
        error_kinds=", ".join(f"{kind} {count}" for kind, count in kinds.items()),
    )


async def run_python(
    base_url: str, route: str, callbacks: list[Callback], connections: int
) -> LoadResult:
    """The fallback: every callback once, `connections` at a time, from this process."""
    latencies: list[float] = []
    errors = 0
    queue = iter(callbacks)
    connector = aiohttp.TCPConnector(limit=connections)
    own_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def worker() -> None:
            nonlocal errors
            for callback in queue:
                started = time.perf_counter()
                async with session.post(route, params=callback.query, data=callback.body) as resp:
                    await resp.read()
                    errors += resp.status != 200
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        distinct=len(callbacks),
        errors=errors,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
        client_cpu_s=own.ru_utime + own.ru_stime - own_before,
    )


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
