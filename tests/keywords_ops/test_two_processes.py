"""Two `wxbot serve` processes sharing PostgreSQL and Redis both switch to a published table.

`wxbot keywords publish` runs in this process, as ops would run it from a shell; the
bots hear of it through Redis pub/sub. Messages keep flowing to both bots meanwhile,
and every one of them must be answered, from the old table or the new.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.testing.wechat_player import WeChatPlayer
from tests.conftest import ConfigWriter
from tests.keywords_ops.tables import V2

OLD, NEW = "我们的价格表：https://example.com/price", "新的价格表"
START_WITHIN_S = 30.0
SWITCH_WITHIN_S = 2.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(base: Path, port: int) -> Path:
    """The test config, serving on `port` with the fake WeChat API mounted on itself."""
    text = (base / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r'api_base = ".*"', f'api_base = "http://127.0.0.1:{port}/_fake"', text)
    path = base / f"config-{port}.toml"
    path.write_text(f"[server]\nport = {port}\nmount_fake_api = true\n{text}", encoding="utf-8")
    return path


def _ask(port: int, player: WeChatPlayer, text: str) -> str:
    callback = player.callback(player.text("o_two_processes", text))
    url = f"http://127.0.0.1:{port}/wechat/main?{urllib.parse.urlencode(callback.query)}"
    request = urllib.request.Request(url, data=callback.body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        answer = response.read().decode()
    return player.read_reply(callback, answer).get("Content", "")


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_WITHIN_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "the bot process exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise TimeoutError(f"bot on port {port} did not start")


@pytest.fixture
def bots(
    database_url: str, redis_url: str, write_config: ConfigWriter, tmp_path: Path
) -> Iterator[tuple[Path, list[int]]]:
    assert database_url.startswith("postgresql") and redis_url, "shared_services variant only"
    write_config()
    ports = [_free_port(), _free_port()]
    configs = [_config(tmp_path, port) for port in ports]
    env = {**os.environ, "WXBOT_LOG_LEVEL": "WARNING"}
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bot", "--config", str(config), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for config in configs
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_healthy(port, process)
        yield configs[0], ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


@pytest.mark.shared_services
def test_both_processes_switch_without_dropping_a_message(
    bots: tuple[Path, list[int]], tmp_path: Path, player: WeChatPlayer
) -> None:
    config, ports = bots
    assert [_ask(port, player, "价格") for port in ports] == [OLD, OLD]
    answers: list[str] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            for port in ports:
                try:
                    answers.append(_ask(port, player, "价格"))
                except Exception as error:
                    failures.append(error)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        table = tmp_path / "v2.csv"
        table.write_text(V2, encoding="utf-8")
        assert main(["--config", str(config), "keywords", "publish", str(table),
                     "--account", "main", "--by", "ops"]) == 0  # fmt: skip
        published_at = time.monotonic()
        switched: dict[int, float] = {}
        while len(switched) < len(ports):
            for port in ports:
                if port not in switched and _ask(port, player, "价格") == NEW:
                    switched[port] = time.monotonic() - published_at
            assert time.monotonic() - published_at < SWITCH_WITHIN_S, switched
            time.sleep(0.05)
    finally:
        stop.set()
        asker.join()
    assert failures == []
    assert set(answers) <= {OLD, NEW}
    assert len(answers) > 0
