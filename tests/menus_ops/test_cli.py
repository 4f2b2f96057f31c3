"""`wxbot menus …` and `wxbot simulate --menu` as ops run them: output and exit statuses.

The CLI runs in a thread (it has its own event loop) while the fake API and the bot
serve from the test's loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.app import create_app
from bot.cli.main import main
from bot.config.settings import Settings
from fakewechat.state import FakeWeChat
from menus.menu_file import read_menu_file
from tests.conftest import APP_ID, ClientFactory
from tests.menus_ops.menus import V1, V2

Run = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture
def wxbot(menu_settings: Settings, capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs `wxbot --config <test config> ARGS…` in a thread; (exit status, stdout, stderr)."""
    capsys.readouterr()

    async def run(*args: str) -> tuple[int, str, str]:
        status = await asyncio.to_thread(main, ["--config", str(menu_settings.source), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def _file(tmp_path: Path, text: str, name: str = "menu.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


async def test_check_of_a_good_menu(wxbot: Run, tmp_path: Path) -> None:
    status, out, _ = await wxbot("menus", "check", _file(tmp_path, V1))
    assert status == 0
    assert out.endswith("menu.toml: 2 menus, 5 buttons, 0 errors, 0 warnings\n")


async def test_check_lists_every_problem_and_exits_1(wxbot: Run, tmp_path: Path) -> None:
    bad = V1.replace('type = "view"', 'type = "link"').replace('key = "MENU_PRICE"', 'key = ""', 1)
    status, out, _ = await wxbot("menus", "check", _file(tmp_path, bad))
    assert status == 1
    lines = out.splitlines()
    assert any(line.endswith("menu.toml:1: key: a click button needs key") for line in lines)
    assert any("menu.toml:16: type: unknown type 'link'" in line for line in lines)
    assert lines[-1].endswith("2 errors, 0 warnings")


async def test_publish_history_show_and_rollback(
    wxbot: Run, tmp_path: Path, fake_state: FakeWeChat
) -> None:
    status, out, err = await wxbot("menus", "publish", _file(tmp_path, V1), "--by", "alice")
    assert status == 0, err
    assert out == (
        "published menu version 1 for main (5 buttons, by alice): "
        "2 menus added (default, high_intent)\n"
    )
    assert err.startswith("database: ")
    status, out, _ = await wxbot("menus", "publish", _file(tmp_path, V2, "v2.toml"), "--by", "bob")
    assert status == 0
    status, out, _ = await wxbot("menus", "history")
    assert status == 0
    assert [line.split()[:2] for line in out.splitlines()] == [["2", "LIVE"], ["1", "main"]]
    status, out, _ = await wxbot("menus", "rollback", "1", "--by", "carol")
    assert (status, out.split(":")[0]) == (
        0,
        "published menu version 3 for main (5 buttons, by carol)",
    )
    status, out, _ = await wxbot("menus", "show")
    assert status == 0
    assert "    预约试驾 → click MENU_DRIVE  (rule menu_drive)" in out.splitlines()
    assert "high_intent (tag 高意向):" in out.splitlines()


async def test_publish_of_a_bad_menu_exits_1_with_every_problem(wxbot: Run, tmp_path: Path) -> None:
    bad = V1.replace('name = "价格"', 'name = "价格价格价格价格价格价格"', 1)
    status, out, err = await wxbot("menus", "publish", _file(tmp_path, bad))
    assert (status, out) == (1, "")
    assert "error: the menu has errors" in err
    assert "menu.toml:2: name: '价格价格价格价格价格价格' is 36 bytes" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("menus", "rollback", "7"), "error: there is no menu version 7"),
        (("menus", "show", "--account", "other"), "error: no [[wechat]] account 'other'"),
        (("menus", "try", "o_nobody"), "error: o_nobody does not follow main"),
        (("menus", "check", "missing.toml"), "missing.toml does not exist"),
    ],
)
async def test_what_cannot_run_exits_2(wxbot: Run, args: tuple[str, ...], message: str) -> None:
    status, _, err = await wxbot(*args)
    assert status == 2
    assert err.splitlines()[-1].startswith(message)


async def test_wechat_unreachable_exits_2(
    wxbot: Run, tmp_path: Path, fake_state: FakeWeChat
) -> None:
    fake_state.inject("/cgi-bin/menu/create", http_status=503)
    status, _, err = await wxbot("menus", "publish", _file(tmp_path, V1))
    assert status == 2
    assert re.search(r"^error: WeChat at http://\S+: HTTP 503 \(/cgi-bin/menu/create\)$", err, re.M)


async def test_pull_writes_a_file_that_checks_clean(wxbot: Run, tmp_path: Path) -> None:
    await wxbot("menus", "publish", _file(tmp_path, V1))
    pulled = tmp_path / "pulled.toml"
    status, _, err = await wxbot("menus", "pull", "-o", str(pulled))
    assert status == 0
    assert f"wrote main's menu to {pulled}" in err
    assert read_menu_file(pulled).menus == read_menu_file(Path(_file(tmp_path, V1))).menus
    assert (await wxbot("menus", "check", str(pulled)))[0] == 0


async def test_try_and_simulate_show_the_menu_a_follower_sees(
    wxbot: Run,
    tmp_path: Path,
    menu_settings: Settings,
    fake_state: FakeWeChat,
    aiohttp_client: ClientFactory,
) -> None:
    bot = await aiohttp_client(create_app(menu_settings))
    url = str(bot.make_url("")).rstrip("/")
    await wxbot("menus", "publish", _file(tmp_path, V1))
    fake_state.add_follower(APP_ID, "o_fan")
    status, out, _ = await wxbot("menus", "try", "o_fan")
    assert (status, out.splitlines()[0]) == (0, "o_fan sees the default menu of main:")
    status, out, _ = await wxbot("simulate", "--url", url, "--openid", "o_fan", "--menu")
    assert status == 0
    assert out.splitlines()[:3] == ["o_fan sees:", "  价格 → click MENU_PRICE", "  服务"]
    status, out, _ = await wxbot(
        "simulate", "--url", url, "--openid", "o_fan", "--menu", "预约试驾"
    )
    assert (status, out) == (0, "预约试驾请回复手机号\n")
    status, _, err = await wxbot("simulate", "--url", url, "--openid", "o_fan", "--menu", "服务")
    assert (status, err) == (2, "服务 opens sub-buttons; tap one of them: 预约试驾, 看车型\n")
