"""`wxbot simulate` against an account that refuses plaintext: it encrypts by itself,
and when the running bot wants encryption its config did not say, the line says `--aes`."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.app import Background, create_app
from bot.cli.main import main
from tests.conftest import ClientFactory, ConfigWriter


async def simulate(
    config: str, base: str, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    argv = ["--config", config, "simulate", "--url", base, *args]
    status = await asyncio.to_thread(main, argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(autouse=True)
def _no_logging_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    # main() installs process-wide logging handlers; keep them out of the other tests.
    monkeypatch.setattr("bot.cli.main.setup_logging", lambda level: None)


async def test_an_account_that_requires_encryption_gets_an_encrypted_callback(
    write_config: ConfigWriter, aiohttp_client: ClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = write_config(require_encryption=None)  # a key, and the default: required
    assert settings.wechat[0].require_encryption
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    base = str(bot.make_url("")).rstrip("/")
    status, out, err = await simulate(str(settings.source), base, capsys, "价格多少")
    assert (status, out, err) == (0, "我们的价格表：https://example.com/price\n", "")


async def test_a_bot_that_wants_encryption_the_config_did_not_say_hints_at_aes(
    write_config: ConfigWriter, aiohttp_client: ClientFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    served = write_config(require_encryption=True)
    bot = await aiohttp_client(create_app(served, background=Background.nothing()))
    base = str(bot.make_url("")).rstrip("/")
    mine = write_config(require_encryption=False)  # the same file, now saying plaintext
    status, out, err = await simulate(str(mine.source), base, capsys, "价格多少")
    assert (status, out) == (2, "")
    assert re.fullmatch(
        r"the bot answered HTTP 403 at /wechat/main: .*"
        r" \(if the bot wants encrypted callbacks: add --aes\)\n",
        err,
    ), err
    status, out, _ = await simulate(str(mine.source), base, capsys, "--aes", "价格多少")
    assert (status, out) == (0, "我们的价格表：https://example.com/price\n")
