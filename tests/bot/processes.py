"""Running `wxbot` commands as real processes in tests, on a spare port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_port(config: Path, port: int) -> Path:
    """The test config with `[server] port` set (the fixture writes no [server])."""
    config.write_text(
        config.read_text(encoding="utf-8") + f"\n[server]\nport = {port}\n", encoding="utf-8"
    )
    return config


def start_wxbot(*args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """`python -m bot ARGS…`; its log to `log` (or nowhere)."""
    env = {**os.environ, "WXBOT_LOG_LEVEL": "INFO" if log else "WARNING"}
    command = [sys.executable, "-m", "bot", *args]
    if log is None:
        return subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=output, stderr=output)  # noqa: S603


async def wait_healthy(url: str, timeout_s: float = 30.0) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(timeout_s * 10)):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never became healthy")


def stop(process: subprocess.Popen[bytes], timeout_s: float = 20.0) -> int:
    """SIGTERM, wait; the exit status (killed if it hangs, which fails the caller)."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError("the process did not stop on SIGTERM") from None
