"""The README's shell blocks, run against the demo; what they print is what it shows.

The rules a README section follows are in `tests/readme_blocks.py` (and the README's
"The README is tested" note). One demo serves the whole README, in order: a temporary
folder laid out like a checkout (the demo config on a spare port, its keyword table,
tagging rules and journeys, `.venv/bin/wxbot`), with `wxbot serve` running in it.
Before each command the test waits for the bot to settle (effects applied, due
outbox jobs done), as a person reading the last answer would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.readme_blocks import Block, matches, normalized, read_blocks

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = read_blocks(ROOT / "README.md")
RUNNABLE = [block for block in BLOCKS if block.skip is None]
START_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 20.0
COMMAND_TIMEOUT_S = 60.0
# The demo's files are those the wheel ships as the demo: one list, in pyproject.toml.
DEMO_FILES = tuple(
    tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]["build"][
        "targets"
    ]["wheel"]["force-include"]
)
# What "settled" means: nothing stored waits for its effects, and no API call that is
# due waits to go out. Journey steps fire on their own 5 s round: the README shows
# their runs with `[...]` where that round (or quiet hours) decides.
_BUSY = """
SELECT (SELECT count(*) FROM inbound_events WHERE effects_state IN ('pending', 'held'))
     + (SELECT count(*) FROM wecom_events WHERE effects_state IN ('pending', 'held'))
     + (SELECT count(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= :now)
"""


@dataclass(frozen=True)
class Demo:
    folder: Path
    port: int
    env: dict[str, str]

    def run(self, command: str) -> tuple[int, str]:
        """Run one README command as typed, in the demo folder; (status, what it printed)."""
        self.settle()
        typed = command.replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")
        done = subprocess.run(  # noqa: S603 - the README's own commands, on loopback
            ["/bin/bash", "-c", typed],
            cwd=self.folder,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        printed = done.stdout.decode("utf-8", "replace").replace(f":{self.port}", ":8080")
        return done.returncode, printed

    def settle(self) -> None:
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        database = self.folder / "wxbot.db"
        while database.exists():
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            with sqlite3.connect(database, timeout=5) as connection:
                busy = connection.execute(_BUSY, {"now": now}).fetchone()[0]
            if not busy:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the demo bot did not settle in {SETTLE_TIMEOUT_S:.0f} s")
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lay_out(folder: Path, port: int) -> None:
    """A checkout's demo files, the port made spare, and `.venv/bin` for the commands."""
    for name in DEMO_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, folder / name)
    config = folder / "config.example.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace("port = 8080", f"port = {port}")
        .replace("127.0.0.1:8080", f"127.0.0.1:{port}"),
        encoding="utf-8",
    )
    bin_folder = folder / ".venv" / "bin"
    bin_folder.mkdir(parents=True)
    # Scripts, not symlinks: a symlinked venv python would not find its venv.
    for name, run in (("python", ""), ("wxbot", " -m bot")):
        script = bin_folder / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}"{run} "$@"\n', encoding="utf-8")
        script.chmod(0o755)


def _wait_healthy(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"wxbot serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"wxbot serve did not answer /healthz:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo of the README's set-up, served on a spare port for the whole module."""
    folder = tmp_path_factory.mktemp("checkout")
    port = _free_port()
    _lay_out(folder, port)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WXBOT_")},
        "WXBOT_CONFIG": str(folder / "config.example.toml"),
        "PATH": f"{folder / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # Both streams unbuffered: they interleave as on a terminal.
        "PYTHONUNBUFFERED": "1",
        "WXBOT_LOG_LEVEL": "WARNING",
    }
    log = folder / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(port, server, log)
        yield Demo(folder, port, env)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_most_blocks_run_and_the_others_say_why() -> None:
    """`read_blocks` refuses a skip marker without its reason."""
    skipped = [block for block in BLOCKS if block.skip is not None]
    assert all(block.skip for block in skipped)
    assert len(RUNNABLE) > 2 * len(skipped)


def _with_its_time(block: Block) -> object:
    """Each command is bounded by its own timeouts (settling, then running), so the block
    as a whole gets theirs summed rather than the suite's 60 s: the Menus block runs ten
    commands, each a fresh Python process."""
    limit = len(block.commands) * (SETTLE_TIMEOUT_S + COMMAND_TIMEOUT_S)
    return pytest.param(block, id=block.name, marks=pytest.mark.timeout(limit))


@pytest.mark.parametrize("block", [_with_its_time(block) for block in RUNNABLE])
def test_the_block_prints_what_the_readme_shows(demo: Demo, block: Block) -> None:
    for command in block.commands:
        status, printed = demo.run(command.text)
        if command.expected is None:
            assert status == 0, f"{block.name}: `{command.text}` exited {status}:\n{printed}"
            continue
        shown = "\n".join(command.expected)
        assert matches(command.expected, printed), (
            f"{block.name}: `{command.text}` printed (normalized):\n{normalized(printed)}\n"
            f"--- the README shows:\n{shown}"
        )
