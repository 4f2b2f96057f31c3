"""The wheel: built from this tree, installed in a fresh virtualenv, serving the demo.

Proves what a checkout hides: the demo config, tagging rules and keyword table,
the migrations and their template are in the wheel; the embedded default runs
without the PostgreSQL and Redis drivers (they are the `postgres`/`redis` extras).
pip uses this machine's index configuration, as `pip install wxbot` would.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVE_TIMEOUT_S = 30.0


def _run(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and tools, fixed arguments
        [str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, serve: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + SERVE_TIMEOUT_S
    while time.monotonic() < deadline:
        assert serve.poll() is None, serve.communicate()
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
                return str(response.read().decode())
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {SERVE_TIMEOUT_S} s")


# Building a wheel and installing it with its dependencies into a new venv takes
# 30-90 s on a busy 2-core machine: past the suite's 60 s per-test default.
@pytest.mark.timeout(300)
def test_the_wheel_installs_in_a_fresh_venv_and_serves_the_demo(tmp_path: Path) -> None:
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, ROOT)
    [wheel] = tmp_path.glob("wxbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "bot/demo/config.example.toml",
        "bot/demo/tagging.example.toml",
        "bot/demo/journeys.toml",
        "bot/demo/keywords/demo.csv",
        "storage/migrations/script.py.mako",
        "storage/migrations/versions/0001_initial_schema.py",
        # The admin site's words: compiled from these when it starts.
        "bot/admin/locale/zh_CN/LC_MESSAGES/messages.po",
        "bot/admin/locale/en/LC_MESSAGES/messages.po",
        "bot/admin/static/favicon.ico",
    ):
        assert shipped in names

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "pip", "install", "--quiet", wheel)
    python = venv / "bin" / "python"
    # Run outside the checkout, or `python -c` would import it from the working directory.
    drivers = "import importlib.util as u; print(u.find_spec('redis'), u.find_spec('asyncpg'))"
    missing = _run(python, "-c", drivers, cwd=tmp_path)
    assert missing.split() == ["None", "None"]  # the default needs neither driver
    where = "from bot.config.settings import DEMO_CONFIG; print(DEMO_CONFIG)"
    demo = Path(_run(python, "-c", where, cwd=tmp_path).strip())
    assert demo.is_relative_to(venv) and demo.name == "config.example.toml"

    # The packaged demo on a spare port (8080 may be someone's running demo).
    port = _free_port()
    config = demo.with_name("config.test.toml")
    config.write_text(demo.read_text(encoding="utf-8").replace("8080", str(port)), "utf-8")
    workdir = tmp_path / "work"
    workdir.mkdir()
    wxbot = venv / "bin" / "wxbot"
    serve = subprocess.Popen(  # noqa: S603
        [str(wxbot), "--config", str(config), "serve"], cwd=workdir,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        health = json.loads(_wait_healthy(f"http://127.0.0.1:{port}/healthz", serve))
        assert health["status"] == "ok" and health["effects"]["backlog"] == 0
        reply = _run(wxbot, "--config", config, "simulate", "价格多少", cwd=workdir)
        assert reply.startswith("2024款全系车型价格表")  # the packaged keyword table answers
    finally:
        serve.terminate()
        out, err = serve.communicate(timeout=15)
    assert serve.returncode == 0, err
    assert f"database: sqlite+aiosqlite:///{config.parent}/wxbot.db" in out
    assert "Traceback" not in err
