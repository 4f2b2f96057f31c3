"""Running the bot: one process, or a pre-fork master with N processes on one port.

`wxbot serve` serves HTTP and, in each process, runs one consumer of the
effects stage and the outbox worker; `wxbot worker` runs those without HTTP.
With `--workers N` the master loads what every process shares (modules,
jieba's dictionary), freezes it out of the garbage collector so the children
share those pages copy-on-write, then forks N children that each bind the
port with SO_REUSEPORT: the kernel spreads connections across them. The
master forwards SIGINT and SIGTERM to the children, restarts a child that
dies, and exits when they have all stopped.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import os
import signal
import socket
import time
from collections.abc import Callable

from aiohttp import web

from bot.app import Background, create_app, mark_serving
from bot.cli.errors import UsageError
from bot.config.settings import Settings
from bot.runtime.http_limits import HttpLimits, LimitedAppRunner
from keywords.segmenter import preload_dictionary
from storage.database import upgrade_schema_blocking

log = logging.getLogger(__name__)

# A child that dies sooner than this after its start is not restarted (a crash loop).
RESTART_MIN_UPTIME_S = 10.0


def serve(settings: Settings, workers: int) -> int:
    """Serve HTTP (plus background work) in one process or `workers` processes."""
    _check_port_free(settings)
    return _run(settings, workers, serve_http=True)


def work(settings: Settings, workers: int) -> int:
    """Run effects consumers, the outbox worker and the sweepers, without HTTP."""
    return _run(settings, workers, serve_http=False)


def _check_port_free(settings: Settings) -> None:
    """Refuse a busy port in one line, before forking (and without SO_REUSEPORT, which
    would otherwise let a second bot share the port with the first)."""
    server = settings.server
    with socket.socket(socket.AF_INET6 if ":" in server.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((server.host, server.port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise UsageError(
                f"port {server.port} is in use: is another wxbot running?"
                f" set [server] port in {settings.source}"
            ) from None


def _run(settings: Settings, workers: int, *, serve_http: bool) -> int:
    if workers == 1:
        asyncio.run(_run_one(settings, serve_http=serve_http, reuse_port=False))
        return 0
    return _prefork(
        settings,
        workers,
        lambda: asyncio.run(_run_one(settings, serve_http=serve_http, reuse_port=True)),
    )


async def _run_one(settings: Settings, *, serve_http: bool, reuse_port: bool) -> None:
    """One process until SIGINT or SIGTERM (a second signal changes nothing)."""
    server = settings.server
    limits = HttpLimits(server.read_timeout_s, server.max_connections)
    # Serving, API calls start once the port listens: the demo's API is this server.
    app = create_app(settings, background=Background(api_after_serving=serve_http))
    runner = LimitedAppRunner(app, limits, handle_signals=False, access_log=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await runner.setup()
    try:
        if serve_http:
            site = web.TCPSite(runner, server.host, server.port, reuse_port=reuse_port)
            await site.start()
            mark_serving(app)
            log.info("process %d serving on http://%s:%d", os.getpid(), server.host, server.port)
        else:
            log.info("process %d running the effects stage and the outbox", os.getpid())
        await stop.wait()
    finally:
        await runner.cleanup()


def _prefork(settings: Settings, workers: int, run_child: Callable[[], None]) -> int:
    # Migrate once here: children migrating at the same time would race.
    upgrade_schema_blocking(settings.storage.database_url)
    preload_dictionary()
    # Everything loaded so far is shared with the children; keep the collector's
    # writes off those pages so they stay shared (copy-on-write).
    gc.freeze()
    return _Master(run_child).run(workers)


class _Master:
    """Forks the children, forwards stop signals, restarts a child that dies."""

    def __init__(self, run_child: Callable[[], None]) -> None:
        self._run_child = run_child
        self._children: dict[int, float] = {}
        self._stopping = False

    def run(self, workers: int) -> int:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        for _ in range(workers):
            self._spawn()
        log.info("master %d started %d workers: %s", os.getpid(), workers, sorted(self._children))
        status = 0
        while self._children:
            try:
                pid, code = os.wait()
            except ChildProcessError:
                break
            started = self._children.pop(pid, None)
            if started is None or self._stopping:
                continue
            log.error("worker %d exited with %d", pid, os.waitstatus_to_exitcode(code))
            if time.monotonic() - started < RESTART_MIN_UPTIME_S:
                status = 1  # a crash loop: stop everything rather than fork forever
                self._stop(signal.SIGTERM, None)
            else:
                self._spawn()
        return status

    def _spawn(self) -> None:
        pid = os.fork()
        if pid:
            self._children[pid] = time.monotonic()
            return
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = 0
        try:
            self._run_child()
        except Exception:
            log.exception("worker %d failed", os.getpid())
            code = 1
        finally:
            logging.shutdown()
            os._exit(code)

    def _stop(self, signum: int, _frame: object) -> None:
        self._stopping = True
        for pid in list(self._children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self._children.pop(pid, None)
