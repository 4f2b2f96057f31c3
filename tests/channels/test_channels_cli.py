"""`wxbot channels` as ops run it: publish, history, rollback, exit statuses, live in the bot."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.app_keys import CHANNELS
from bot.cli.main import main
from tests.channels.conftest import DEMO_CHANNELS
from tests.leads.helpers import LeadsBot

SWITCH_WITHIN_S = 2.0


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["--config", str(tmp_path / "config.toml"), "channels", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.shared_redis  # the CLI is another "process": its notice goes through Redis
async def test_publish_reaches_the_running_bot_and_rollback_brings_it_back(
    leads_bot: LeadsBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = tmp_path / "v2.toml"
    renamed.write_text(DEMO_CHANNELS.read_text(encoding="utf-8").replace("春季车展", "秋季车展"),
                       encoding="utf-8")  # fmt: skip
    live = leads_bot.client.app[CHANNELS]

    async def name_becomes(name: str) -> None:
        started = time.monotonic()
        while (channel := live.table.get("spring_expo")) is None or channel.name != name:
            assert time.monotonic() - started < SWITCH_WITHIN_S, "the bot did not switch"
            await asyncio.sleep(0.05)

    status, out, _ = await asyncio.to_thread(_run, tmp_path, capsys, "publish", str(renamed),
                                             "--by", "olga")  # fmt: skip
    assert status == 0
    assert out.startswith("published channels version 1 (3 channels, by olga): 1 changed")
    await name_becomes("秋季车展")
    status, out, _ = await asyncio.to_thread(_run, tmp_path, capsys, "publish",
                                             str(tmp_path / "channels.toml"))  # fmt: skip
    assert status == 0
    status, out, _ = await asyncio.to_thread(_run, tmp_path, capsys, "rollback", "1")
    assert status == 0
    await name_becomes("秋季车展")
    status, out, _ = await asyncio.to_thread(_run, tmp_path, capsys, "history")
    assert out.splitlines()[0].split()[:2] == ["3", "LIVE"]
    assert "[rollback to version 1]" in out.splitlines()[0]


def test_exit_statuses(leads_settings: object, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text('[[channel]]\nkey = "x"\nname = "X"\n  [channel.qr]\n  kind = "?"\n',
                   encoding="utf-8")  # fmt: skip
    status, out, _ = _run(tmp_path, capsys, "check", str(bad))
    assert status == 1
    assert "bad.toml:5: channel x.qr.kind: unknown value '?' (temporary or permanent)" in out
    status, _, err = _run(tmp_path, capsys, "publish", str(bad))
    assert status == 1
    assert "bad.toml:5: channel x.qr.kind" in err
    assert _run(tmp_path, capsys, "rollback", "42")[0] == 2
    assert _run(tmp_path, capsys, "check", str(tmp_path / "missing.toml"))[0] == 2
    status, _, err = _run(tmp_path, capsys, "show", "nope")
    assert status == 2
    assert err.startswith("no channel 'nope'")
