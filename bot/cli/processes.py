"""Running the bot: one process, or a pre-fork master with N processes on one port.

`wxbot serve` serves HTTP and runs the outbox worker, the welcome lane (deadline
work, woken by the edge in its process) and the effects stage. With Redis, the
effects stage (and the sweepers) run in a process of their own at a lower CPU
priority, as production runs `serve` + `worker`: applying events is CPU-bound
work in batches, and on the edge's event loop it took the CPU the requests
wanted (issue 23: 0.60 of the durable program's msg/s instead of 0.43–0.51).
`--no-stage-process`, or no Redis (processes share their locks, dedup marks and
reload notices through it), keeps it in the serving process. `wxbot worker` runs the stage,
the outbox and the sweepers without HTTP.

With more than one process, the master loads what every process shares
(modules, jieba's dictionary), freezes it out of the garbage collector so the
children share those pages copy-on-write, then forks the children: serving
ones each bind the port with SO_REUSEPORT (the kernel spreads connections
across them). The master forwards SIGINT and SIGTERM to the children,
restarts a child that dies (in its role), and exits when they have all stopped.
"""

from __future__ import annotations

import asyncio
import ctypes
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
from bot.runtime.heap import settle_after_startup
from bot.runtime.http_limits import HttpLimits, LimitedAppRunner
from bot.runtime.limits import STAGE_PROCESS_NICENESS
from keywords.segmenter import preload_dictionary
from storage.database import upgrade_schema_blocking

log = logging.getLogger(__name__)

# A child that dies sooner than this after its start is not restarted (a crash loop).
RESTART_MIN_UPTIME_S = 10.0

# prctl(2)'s option: the signal the kernel sends this process when its parent dies.
_PR_SET_PDEATHSIG = 1


# The two roles of `serve`'s children where the stage has a process of its own. The
# edge keeps the outbox and the welcome lane: it wakes the lane itself, so deadline
# work never waits behind the stage's backlog. API calls wait until it listens (the
# demo's API is this server).
_EDGE = Background(effects=False, sweepers=False, api_after_serving=True)
_STAGE = Background(outbox=False)


def serve(settings: Settings, workers: int, *, stage_process: bool = True) -> int:
    """Serve HTTP in `workers` processes; the effects stage in each, or in one more."""
    _check_port_free(settings)
    if not stage_process or not settings.storage.redis_url:
        return _run(settings, workers, serve_http=True)
    edge = _child(settings, _EDGE, serve_http=True)
    stage = _child(settings, _STAGE, serve_http=False, niceness=STAGE_PROCESS_NICENESS)
    return _prefork(settings, [*([edge] * workers), stage])


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
    # Serving, API calls start once the port listens: the demo's API is this server.
    background = Background(api_after_serving=serve_http)
    if workers == 1:
        asyncio.run(_run_one(settings, background, serve_http=serve_http, reuse_port=False))
        return 0
    return _prefork(settings, [_child(settings, background, serve_http=serve_http)] * workers)


def _child(
    settings: Settings, background: Background, *, serve_http: bool, niceness: int = 0
) -> Callable[[], None]:
    """What a forked child runs: one process of the bot until it is told to stop."""

    def run() -> None:
        if niceness:
            os.nice(niceness)
        asyncio.run(_run_one(settings, background, serve_http=serve_http, reuse_port=True))

    return run


async def _run_one(
    settings: Settings, background: Background, *, serve_http: bool, reuse_port: bool
) -> None:
    """One process until SIGINT or SIGTERM (a second signal changes nothing)."""
    server = settings.server
    limits = HttpLimits(server.read_timeout_s, server.max_connections)
    app = create_app(settings, background=background)
    runner = LimitedAppRunner(app, limits, handle_signals=False, access_log=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await runner.setup()
    settle_after_startup()
    try:
        if serve_http:
            site = web.TCPSite(runner, server.host, server.port, reuse_port=reuse_port)
            await site.start()
            mark_serving(app)
            log.info("process %d serving on http://%s:%d", os.getpid(), server.host, server.port)
        else:
            work = ["the effects stage"] if background.effects else []
            work += ["the outbox"] if background.outbox else []
            log.info("process %d running %s (no HTTP)", os.getpid(), " and ".join(work))
        await stop.wait()
    finally:
        await runner.cleanup()


def _prefork(settings: Settings, children: list[Callable[[], None]]) -> int:
    # Migrate once here: children migrating at the same time would race.
    upgrade_schema_blocking(settings.storage.database_url)
    preload_dictionary()
    # Everything loaded so far is shared with the children; keep the collector's
    # writes off those pages so they stay shared (copy-on-write).
    gc.freeze()
    return _Master().run(children)


class _Master:
    """Forks the children, forwards stop signals, restarts a child that dies."""

    def __init__(self) -> None:
        # pid -> (started, what the child runs): a child that dies is restarted in its role.
        self._children: dict[int, tuple[float, Callable[[], None]]] = {}
        self._stopping = False

    def run(self, children: list[Callable[[], None]]) -> int:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        for run_child in children:
            self._spawn(run_child)
        log.info(
            "master %d started %d workers: %s", os.getpid(), len(children), sorted(self._children)
        )
        status = 0
        while self._children:
            try:
                pid, code = os.wait()
            except ChildProcessError:
                break
            child = self._children.pop(pid, None)
            if child is None or self._stopping:
                continue
            started, run_child = child
            log.error("worker %d exited with %d", pid, os.waitstatus_to_exitcode(code))
            if time.monotonic() - started < RESTART_MIN_UPTIME_S:
                status = 1  # a crash loop: stop everything rather than fork forever
                self._stop(signal.SIGTERM, None)
            else:
                self._spawn(run_child)
        return status

    def _spawn(self, run_child: Callable[[], None]) -> None:
        master = os.getpid()
        pid = os.fork()
        if pid:
            self._children[pid] = (time.monotonic(), run_child)
            return
        _die_with(master)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = 0
        try:
            run_child()
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


def _die_with(master: int) -> None:
    """Have the kernel kill this child when its master dies.

    A master killed by SIGKILL (or the OOM killer) forwards nothing: its children
    would live on, a serving one still answering on the port (SO_REUSEPORT), so the
    restarted bot finds the port taken and the old child serves beside it unsupervised.
    Linux's PR_SET_PDEATHSIG ends them with their master, as one bot. The standard
    library has no prctl and its packages are unmaintained C extensions, so libc's is
    called through ctypes; elsewhere (no prctl in libc) the child carries on as before.
    """
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    if prctl is None:
        return
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning(
            "worker %d will not die with its master: prctl errno %d",
            os.getpid(),
            ctypes.get_errno(),
        )
    if os.getppid() != master:  # the master died before the call: nobody would kill us
        os._exit(1)
