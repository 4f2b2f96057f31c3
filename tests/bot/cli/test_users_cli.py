"""`wxbot users show`: a profile found by openid, phone or id, printed for ops."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Background, create_app
from bot.app_keys import SESSIONS
from bot.cli.errors import UsageError
from bot.cli.main import main
from bot.cli.users import show_user
from bot.config.settings import Settings
from bot.ops.columns import cells
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from tests.bot.effects.tag_sync_helpers import drain, tagging_config
from tests.bot.helpers import exchange
from tests.conftest import APP_ID, ClientFactory, ConfigWriter
from tests.tagging.events import profile_of


@pytest.fixture
async def known_user(
    write_config: ConfigWriter,
    tmp_path: Path,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> tuple[Settings, int]:
    fake_state.add_follower(APP_ID, "o_fan")
    settings = write_config(extra=tagging_config(tmp_path, "[contact]\nphone_points = 50\n"))
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    await exchange(bot, player, player.event("o_fan", "subscribe", "qrscene_spring_expo"))
    await exchange(bot, player, player.text("o_fan", "价格多少？我电话 13800138000"))
    await drain(bot.app)
    profile_id = await profile_of(bot.app[SESSIONS], "o_fan")
    assert profile_id is not None
    await bot.close()
    return settings, profile_id


@pytest.mark.parametrize("query", ["o_fan", "+86 138-0013-8000", "13800138000", "#ID", "ID"])
async def test_show_finds_the_profile_every_way(
    known_user: tuple[Settings, int], query: str
) -> None:
    settings, profile_id = known_user
    out = io.StringIO()
    assert await show_user(settings, query.replace("ID", str(profile_id)), out) == 0
    shown = out.getvalue()
    assert shown.startswith(f"Profile #{profile_id}")
    assert "phone     13800138000" in shown
    assert "first spring_expo, last spring_expo" in shown
    assert "openid          main" in shown
    for tag in ("询价", "留资", "渠道:春季车展"):
        assert tag in shown
    assert "keyword:price" in shown
    assert "价格多少" in shown  # last messages
    assert "tag_added" in shown  # timeline
    assert "points    100" in shown  # follow via expo 20 + price 30 + phone 50


async def test_an_unknown_user_is_a_usage_error(known_user: tuple[Settings, int]) -> None:
    with pytest.raises(UsageError, match="no profile matches 'nobody'"):
        await show_user(known_user[0], "nobody", io.StringIO())


def test_cli_parses_users_show(
    known_user: tuple[Settings, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # main() installs process-wide logging handlers; keep them out of the other tests.
    monkeypatch.setattr("bot.cli.main.setup_logging", lambda level: None)
    settings, profile_id = known_user
    assert main(["--config", str(settings.source), "users", "show", "o_fan"]) == 0
    assert f"Profile #{profile_id}" in capsys.readouterr().out


async def test_times_say_their_zone_and_chinese_columns_line_up(
    known_user: tuple[Settings, int],
) -> None:
    out = io.StringIO()
    assert await show_user(known_user[0], "o_fan", out) == 0
    shown = out.getvalue()
    assert re.search(r"created   \d{4}-\d\d-\d\d \d\d:\d\d UTC\+8", shown)
    tag_rows = [line for line in shown.splitlines() if "keyword:" in line or "tier:" in line]
    assert len(tag_rows) >= 2
    # The category column starts at the same terminal cell whatever the tag's script.
    starts = {
        cells(row[: row.index(category)])
        for row in tag_rows
        for category in ("behavior", "value", "attribute")
        if f" {category} " in row
    }
    assert len(starts) == 1, tag_rows
    assert "Lead      none (not qualified yet)" in shown  # no [leads] in this config


def test_no_alembic_lines_in_a_commands_output(tmp_path: Path) -> None:
    """A fresh database: migrations run, and only the database line reaches stderr."""
    config = tmp_path / "config.toml"
    (tmp_path / "k.csv").write_text("rule,trigger,keywords,reply\nhi,text,你好,你好呀\n", "utf-8")
    config.write_text(
        '[[wechat]]\nname = "main"\napp_id = "wx1"\napp_secret = "s"\ntoken = "t"\n'
        'keywords = "k.csv"\n',
        encoding="utf-8",
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "--config", str(config), "db", "upgrade"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"database: sqlite+aiosqlite:///{tmp_path.resolve()}/wxbot.db\n"
    assert done.stdout == "database schema is up to date\n"
