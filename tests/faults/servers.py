"""Private Redis and PostgreSQL servers on spare loopback ports, to kill and restart.

The machine's shared services are never touched: each fault test starts its own
`redis-server`, or a throwaway PostgreSQL cluster made with `initdb` (as user
`postgres` when run as root, since PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, *, open_: bool = True) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while _port_open(port) != open_:
        if time.monotonic() > deadline:
            raise TimeoutError(f"port {port} never became {'open' if open_ else 'closed'}")
        time.sleep(0.05)


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def postgres_bin_dir() -> Path | None:
    """The directory of `initdb` and `pg_ctl`: on PATH, else the newest /usr/lib/postgresql."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


class PrivateRedis:
    """A `redis-server` with no persistence, killed with SIGKILL and restarted on its port."""

    def __init__(self, binary: str) -> None:
        self._binary = binary
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no"]
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary, fixed arguments
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_port(self.port)

    def kill(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
            self._process = None
        _wait_port(self.port, open_=False)

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None


class PrivatePostgres:
    """A throwaway cluster in `directory`, stopped with `-m immediate` and restarted."""

    def __init__(self, bin_dir: Path) -> None:
        # Not under pytest's tmp dir: that is private to root, and the server runs as postgres.
        directory = Path(tempfile.mkdtemp(prefix="wxbot-pg-"))
        self._directory = directory
        self._bin = bin_dir
        self._data = directory / "data"
        self._log = directory / "postgres.log"
        self._socket_dir = directory
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self._bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 - the machine's PostgreSQL tools, fixed arguments
            command,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=START_TIMEOUT_S * 2,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.decode(errors='replace')}")

    def init(self) -> None:
        if self._as_root:
            shutil.chown(self._socket_dir, "postgres")
        self._run("initdb", "-D", str(self._data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self._socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self._data), "-l", str(self._log), "-o", options, "-w", "start"
        )
        _wait_port(self.port)

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: like a crash, every connection cut."""
        self._run("pg_ctl", "-D", str(self._data), "-m", "immediate", "-w", "stop")
        _wait_port(self.port, open_=False)

    def destroy(self) -> None:
        try:
            if _port_open(self.port):
                self.stop_immediately()
        finally:
            shutil.rmtree(self._directory, ignore_errors=True)


def missing_tools() -> dict[str, str]:
    """Fault-suite markers whose tools this machine lacks, with what to install."""
    missing: dict[str, str] = {}
    if redis_server_binary() is None:
        missing["private_redis"] = "redis-server"
    if postgres_bin_dir() is None:
        missing["private_postgres"] = "PostgreSQL initdb/pg_ctl"
    if importlib.util.find_spec("atheris") is None:
        missing["atheris"] = "atheris (pip install -e '.[fuzz]')"
    return missing
