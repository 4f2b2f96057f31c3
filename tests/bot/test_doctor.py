"""`wxbot doctor`: ✓/✗ per check with the fix, against real services, one of them down."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from bot.app import Background, create_app
from bot.cli.main import main
from storage.database import MIGRATIONS
from tests.conftest import ClientFactory, ConfigWriter


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def doctor(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = await asyncio.to_thread(main, ["--config", str(config), "doctor", *args])
    return status, capsys.readouterr().out


def edit(config: Path, pattern: str, replacement: str) -> None:
    config.write_text(re.sub(pattern, replacement, config.read_text(), flags=re.MULTILINE))


async def test_a_healthy_config_passes_every_check_including_the_public_url(
    write_config: ConfigWriter, aiohttp_client: ClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = write_config()
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    status, out = await doctor(settings.source, capsys, "--public-url", str(bot.make_url("")))
    assert status == 0, out
    assert "✓ database answers" in out
    assert "✓ migrations current" in out
    assert "✓ [[wechat]] main: access token from http://127.0.0.1:" in out
    assert f"✓ keyword table {settings.wechat[0].keywords}: 9 rules" in out
    assert re.search(r"✓ public URL http://127\.0\.0\.1:\d+/wechat/main: answers WeChat", out)
    assert "✗" not in out and out.endswith("all checks passed\n")


async def test_redis_down_is_a_cross_with_the_fix(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config().source
    edit(config, r"^redis_url = .*$", f'redis_url = "redis://127.0.0.1:{closed_port()}/0"')
    status, out = await doctor(config, capsys)
    assert status == 1
    assert "✓ database answers" in out
    assert "✗ Redis answers: ConnectionError" in out
    assert "    fix: start Redis or correct [storage] redis_url" in out
    assert out.endswith("1 of 5 checks failed\n")


async def test_a_wrong_secret_an_old_schema_and_a_broken_table(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = tmp_path / "old.db"
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    alembic.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{database}")
    await asyncio.to_thread(command.upgrade, alembic, "0001")
    config = write_config(keywords="rule,trigger\nx,texts\n").source
    edit(config, r"^database_url = .*$", 'database_url = "sqlite+aiosqlite:///old.db"')
    edit(config, r"^app_secret = .*$", 'app_secret = "wrong"')
    edit(config, r"^redis_url = .*$", 'redis_url = ""')
    status, out = await doctor(config, capsys)
    assert status == 1
    assert "✗ migrations current: not applied: " in out and "fix: run `wxbot db upgrade`" in out
    assert "✗ [[wechat]] main: access token from" in out and "40125" in out
    assert "fix: check app_id / app_secret" in out
    assert "✗ keyword table" in out and "`wxbot keywords check" in out
    assert "✓ cache: in-process" in out


async def test_doctor_creates_no_database(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config().source
    edit(config, r"^database_url = .*$", 'database_url = "sqlite+aiosqlite:///absent.db"')
    status, out = await doctor(config, capsys)
    assert status == 1
    assert "✗ database answers: FileNotFoundError" in out
    assert not (tmp_path / "absent.db").exists()
