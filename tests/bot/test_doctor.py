"""`wxbot doctor`: a production gate with one ✗ line and its fix per failure, never a guess.

The example config (what `cp config.example.toml config.toml` gives) must fail with
its list; `--demo` checks a demo as a demo; services are real, one of them down.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from alembic import command
from alembic.config import Config

from bot.app import Background, create_app
from bot.cli.main import main
from bot.config.secret import Secret
from bot.config.settings import AdminSettings, Settings, load_settings
from bot.ops.doctor.live import live_checks
from fakewechat.state import FakeWeChat
from keywords.table_csv import load_table
from storage.database import MIGRATIONS, upgrade_schema
from tests.conftest import ClientFactory, ConfigWriter
from tests.keywords_ops.tables import V1

ROOT = Path(__file__).resolve().parents[2]
SESSION_KEY = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def doctor(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = await asyncio.to_thread(main, ["--config", str(config), "doctor", *args])
    return status, capsys.readouterr().out


def edit(config: Path, pattern: str, replacement: str) -> None:
    config.write_text(re.sub(pattern, replacement, config.read_text(), flags=re.MULTILINE))


def crosses(out: str) -> list[str]:
    """The name of each ✗ line, asserting that a fix follows it."""
    lines = out.splitlines()
    found = []
    for number, line in enumerate(lines):
        if line.startswith("✗ "):
            assert lines[number + 1].startswith("    fix: "), line
            found.append(line[2:].split(": ")[0])
    return found


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """`cp config.example.toml config.toml` in a checkout, on a port nobody uses."""
    for name in ("config.example.toml", "tagging.example.toml", "journeys.toml", "channels.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "keywords", tmp_path / "keywords", ignore=lambda *_: ["*.py"])
    config = tmp_path / "config.toml"
    shutil.copy(tmp_path / "config.example.toml", config)
    edit(config, "8080", str(free_port()))
    return config


async def test_the_example_config_fails_with_one_line_per_demo_setting(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = await doctor(example, capsys)
    assert status == 1
    assert out.startswith(f"checking {example} for live traffic\n")
    assert crosses(out) == [
        "[server] mount_fake_api",
        "[[wechat]] main api_base",
        "[[wecom]] sales api_base",
        "[admin] seed_ops_password",
        "[[wechat]] main credentials",
        "[[wecom]] sales credentials",
        "[admin] credentials",
        "[admin] session_key",
        "database answers",
        "[[wechat]] main",
        "[[wecom]] sales",
    ]
    assert (
        "✗ [[wechat]] main credentials: app_id, app_secret, token, encoding_aes_key from the"
        " example config\n"
    ) in out
    assert f"    fix: set mount_fake_api = false in {example}\n" in out
    assert "    fix: run `wxbot db upgrade` (or `wxbot serve`): it creates it\n" in out
    # Nothing answers at the fake API: the bot is not running, not an IP whitelist.
    assert ": the bot is not running (the demo's fake API is served by `wxbot serve` itself)" in out
    assert "whitelist" not in out
    assert f"✓ channels {example.parent}/channels.toml: nothing published yet: 3 channels\n" in out
    assert out.endswith("11 of 16 checks failed\n")
    assert not (example.parent / "wxbot.db").exists()


async def test_demo_checks_the_demo_as_a_demo(
    example: Path,
    capsys: pytest.CaptureFixture[str],
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    status, out = await doctor(example, capsys, "--demo")
    assert status == 1
    assert crosses(out) == ["database answers", "[[wechat]] main", "[[wecom]] sales"]
    assert "    fix: run `wxbot serve`: it creates it\n" in out
    assert "    fix: start `wxbot serve` in another terminal, then run doctor again\n" in out
    # With the demo bot running, the same command passes.
    settings = load_settings(example, {})
    await upgrade_schema(settings.storage.database_url)
    await aiohttp_server(
        create_app(settings, background=Background.nothing()), port=settings.server.port
    )
    status, out = await doctor(example, capsys, "--demo")
    assert status == 0, out
    assert f"checking {example} as a demo\n" in out
    assert "✓ [[wechat]] main: access token from http://127.0.0.1:" in out
    demo_rules = len(load_table(example.parent / "keywords" / "demo.csv"))
    assert (
        f"✓ keywords of main: {example.parent}/keywords/demo.csv (nothing published yet): "
        f"{demo_rules} rules" in out
    )
    assert out.endswith("all checks passed\n")


def live_settings(**admin: object) -> Settings:
    """The example config made ready for live traffic, as the README says."""
    example = load_settings(ROOT / "config.example.toml", {})
    account = replace(
        example.wechat[0],
        app_id="wx8f3c2a91d07b5e46",
        app_secret=Secret("c8a4e0b9f1d2"),
        token=Secret("t0k3n-of-our-own"),
        encoding_aes_key=Secret("A" * 43),
        api_base="https://api.weixin.qq.com",
    )
    app = replace(
        example.wecom[0],
        corp_id="ww5d1e9c0b7a3f2468",
        secret=Secret("our-corp-secret"),
        token=Secret("our-wecom-token"),
        encoding_aes_key=Secret("B" * 43),
        api_base="https://qyapi.weixin.qq.com",
    )
    return replace(
        example,
        server=replace(example.server, mount_fake_api=False),
        wechat=(account,),
        wecom=(app,),
        admin=AdminSettings(session_key=Secret(SESSION_KEY), **admin),  # type: ignore[arg-type]
    )


def test_a_config_made_ready_passes_the_gate() -> None:
    checks = live_checks(live_settings(secure_cookie=True), "https://bot.example.com")
    assert [(c.name, c.ok) for c in checks] == [
        ("[server] mount_fake_api", True),
        ("[[wechat]] main api_base", True),
        ("[[wecom]] sales api_base", True),
        ("[admin] seed_ops_password", True),
        ("[[wechat]] main credentials", True),
        ("[[wecom]] sales credentials", True),
        ("[admin] session_key", True),
        ("[admin] secure_cookie", True),
    ]


def test_secure_cookie_must_be_on_behind_https_only() -> None:
    settings = live_settings(secure_cookie=False)
    (cookie,) = [c for c in live_checks(settings, "https://bot.example.com") if not c.ok]
    assert cookie.name == "[admin] secure_cookie"
    assert cookie.fix.startswith("set secure_cookie = true in [admin] of ")
    assert all(c.ok for c in live_checks(settings, "http://10.0.0.5:8080"))
    assert all(c.ok for c in live_checks(settings, None))


def test_an_example_or_empty_secret_fails_and_names_the_key() -> None:
    settings = live_settings()
    example = load_settings(ROOT / "config.example.toml", {}).wecom[0]
    wechat = replace(settings.wechat[0], app_secret=Secret(""), token=example.token)
    failed = [
        (c.name, c.detail)
        for c in live_checks(replace(settings, wechat=(wechat,)), None)
        if not c.ok
    ]
    # The WeCom app's example token, pasted into the account, is still the example's.
    assert failed == [
        ("[[wechat]] main credentials", "token from the example config; app_secret empty")
    ]


async def test_doctor_says_what_serves_the_live_keyword_version(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config().source
    published = tmp_path / "v1.csv"
    published.write_text(V1, encoding="utf-8")
    args = ["--config", str(config), "keywords", "publish", str(published), "--account", "main"]
    assert await asyncio.to_thread(main, args) == 0
    status, out = await doctor(config, capsys, "--demo")
    assert status == 0, out
    # The file has 9 rules; version 1 (3 rules) is what answers.
    assert "✓ keywords of main: version 1 is live: 3 rules\n" in out


async def test_doctor_checks_the_channel_table_that_runs(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken file fails with the command that lists every problem; once a version is
    published, that version is what runs, whatever the file says."""
    channels = example.parent / "channels.toml"
    good = channels.read_text(encoding="utf-8")
    channels.write_text(good.replace('key = "store_xuhui"', 'key = ""'), encoding="utf-8")
    _, out = await doctor(example, capsys, "--demo")
    assert f"✗ channels {channels}: {channels}: 1 errors, first: " in out
    assert f"    fix: `wxbot channels check {channels}` lists them all\n" in out
    settings = load_settings(example, {})
    await upgrade_schema(settings.storage.database_url)
    published = example.parent / "published.toml"
    published.write_text(good, encoding="utf-8")
    args = ["--config", str(example), "channels", "publish", str(published)]
    assert await asyncio.to_thread(main, args) == 0
    _, out = await doctor(example, capsys, "--demo")
    assert f"✓ channels {channels}: version 1 is live: 3 channels\n" in out


@pytest.mark.parametrize(
    ("errcode", "fix"),
    [
        (40164, "    fix: add this server's public IP to the account's IP whitelist"),
        (40125, "    fix: app_secret is wrong: copy or reset the AppSecret"),
        (40013, "    fix: app_id is not this account's AppID"),
        (45009, None),
    ],
)
async def test_a_token_failure_gets_the_fix_its_errcode_tells_and_no_other(
    write_config: ConfigWriter,
    fake_state: FakeWeChat,
    capsys: pytest.CaptureFixture[str],
    errcode: int,
    fix: str | None,
) -> None:
    config = write_config().source
    fake_state.inject("/cgi-bin/stable_token", errcode=errcode, times=3)
    status, out = await doctor(config, capsys, "--demo")
    assert status == 1
    line = next(line for line in out.splitlines() if line.startswith("✗ [[wechat]] main"))
    assert f": errcode {errcode}: " in line and line.endswith("fault injected")
    after = out.split(line + "\n")[1]
    if fix is None:
        assert not after.startswith("    fix:"), "an unknown errcode gets no guessed fix"
    else:
        assert after.startswith(fix)


async def test_nothing_listening_at_a_real_api_base_is_said_as_such(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config().source
    port = free_port()
    edit(config, r"^api_base = .*$", f'api_base = "http://127.0.0.1:{port}"')
    status, out = await doctor(config, capsys, "--demo")
    assert status == 1
    assert f"✗ [[wechat]] main: access token from http://127.0.0.1:{port}: cannot connect to" in out
    assert "    fix: check api_base and that this server reaches it" in out
    assert "not running" not in out  # not the demo's own fake API: no such guess


async def test_a_healthy_config_passes_every_service_check_and_the_public_url(
    write_config: ConfigWriter, aiohttp_client: ClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = write_config()
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    status, out = await doctor(
        settings.source, capsys, "--demo", "--public-url", str(bot.make_url(""))
    )
    assert status == 0, out
    assert "✓ database answers" in out
    assert "✓ migrations current" in out
    assert "✓ [[wechat]] main: access token from http://127.0.0.1:" in out
    assert (
        f"✓ keywords of main: {settings.wechat[0].keywords} (nothing published yet): 9 rules" in out
    )
    assert re.search(r"✓ public URL http://127\.0\.0\.1:\d+/wechat/main: answers WeChat", out)
    assert "✗" not in out and out.endswith("all checks passed\n")


async def test_redis_down_is_a_cross_with_the_fix(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config().source
    edit(config, r"^redis_url = .*$", f'redis_url = "redis://127.0.0.1:{free_port()}/0"')
    status, out = await doctor(config, capsys, "--demo")
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
    status, out = await doctor(config, capsys, "--demo")
    assert status == 1
    assert "✗ migrations current: not applied: " in out and "fix: run `wxbot db upgrade`" in out
    assert "✗ [[wechat]] main: access token from" in out and "errcode 40125" in out
    assert "fix: app_secret is wrong" in out
    assert "✗ keywords of main: " in out and "`wxbot keywords check" in out
    assert "✓ cache: in-process" in out


async def test_doctor_creates_no_database(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config().source
    edit(config, r"^database_url = .*$", 'database_url = "sqlite+aiosqlite:///absent.db"')
    status, out = await doctor(config, capsys, "--demo")
    assert status == 1
    assert f"✗ database answers: no database yet at {tmp_path / 'absent.db'}" in out
    assert not (tmp_path / "absent.db").exists()


async def test_a_public_url_nothing_answers_at_says_so(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config().source
    port = free_port()
    status, out = await doctor(config, capsys, "--demo", "--public-url", f"http://127.0.0.1:{port}")
    assert status == 1
    assert (
        f"✗ public URL http://127.0.0.1:{port}/wechat/main: cannot connect to 127.0.0.1:{port}"
        in out
    )
    assert (
        f"    fix: 127.0.0.1 must resolve to this server, with nginx listening on {port}\n" in out
    )


async def test_fake_api_rehearses_the_configs_own_accounts(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`wxbot fake-api` knows the config's own ids and secrets, apart from any bot."""
    port = free_port()
    edit(example, r"^api_base = .*$", f'api_base = "http://127.0.0.1:{port}"')
    edit(example, r"^app_secret = .*$", 'app_secret = "a-secret-of-our-own"')
    args = [sys.executable, "-m", "bot", "--config", str(example), "fake-api", "--port", str(port)]
    fake = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        assert fake.stdout is not None
        banner = await asyncio.to_thread(fake.stdout.readline)
        assert (
            banner.decode() == f"fake WeChat/WeCom API for main, sales at http://127.0.0.1:{port}\n"
        )
        await upgrade_schema(load_settings(example, {}).storage.database_url)
        status, out = await doctor(example, capsys, "--demo")
        assert status == 0, out
        assert f"✓ [[wechat]] main: access token from http://127.0.0.1:{port}: token fetched" in out
    finally:
        fake.send_signal(signal.SIGINT)
        await asyncio.to_thread(fake.communicate, timeout=10)
