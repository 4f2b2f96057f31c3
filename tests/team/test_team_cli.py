"""`wxbot team` as a manager runs it: the seed, each command, its checks, its audit."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.app_keys import CACHE, POLICY, SESSIONS
from bot.cli.database import database_line
from bot.cli.main import main
from bot.config.settings import Settings
from bot.ops.team_ops import TeamOps
from bot.runtime.team import local_day
from bot.testing.wechat_player import WeChatPlayer
from leads.team import Status
from storage.admin_models import AdminAudit
from storage.database import create_engine, create_session_factory
from storage.types import utc_now
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.helpers import LeadsBot

SWITCH_WITHIN_S = 2.0
PHONE = "我想预约试驾，电话13800138000"


def team(
    settings: Settings, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    status = main(["--config", str(settings.source), "team", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def later(days: int) -> str:
    """A day counted from today in the team's calendar (Asia/Shanghai)."""
    return (local_day(utc_now()) + timedelta(days=days)).isoformat()


def test_the_config_seeds_the_table_once(
    leads_settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = team(leads_settings, capsys, "list")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["userid", "name", "status", "open/max", "manager", "deputy", "tags"]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["zhangsan", "张三", "active", "0/-"],
        ["lisi", "李四", "active", "0/-"],
        ["wangwu", "王五", "active", "0/1"],
    ]
    assert team(leads_settings, capsys, "remove", "wangwu", "--by", "olga")[0] == 0
    # The config still names wangwu: it is only a seed, read while the table is empty.
    assert "wangwu" in Path(leads_settings.source).read_text(encoding="utf-8")
    status, out, _ = team(leads_settings, capsys, "list")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["zhangsan", "lisi"]


def test_each_command_and_its_audit(
    leads_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("add", "zhaoliu", "--name", "赵六", "--tags", "上海,苏州", "--max-open", "5")
    assert team(leads_settings, capsys, *add, "--manager", "boss", "--by", "olga") == (
        0, "added zhaoliu (赵六)\n", team_err(leads_settings)
    )  # fmt: skip
    status, out, _ = team(
        leads_settings, capsys, "edit", "zhaoliu", "--max-open", "8", "--by", "olga"
    )
    assert (status, out) == (0, "changed zhaoliu: max_open\n")
    until = later(7)
    status, out, _ = team(leads_settings, capsys, "leave", "lisi", "--until", until, "--deputy",
                          "zhaoliu", "--by", "olga")  # fmt: skip
    assert (status, out) == (0, f"lisi is on leave until {until}; their alerts go to zhaoliu\n")
    status, out, _ = team(leads_settings, capsys, "list")
    row = next(line.split() for line in out.splitlines() if line.startswith("lisi"))
    assert row[:5] == ["lisi", "李四", "away", "until", until]
    assert row[-2:] == ["zhaoliu", "-"]
    assert team(leads_settings, capsys, "return", "lisi", "--by", "olga")[1] == (
        "lisi is back: takes leads again\n"
    )
    status, out, _ = team(leads_settings, capsys, "leave", "wangwu", "--left", "--by", "olga")
    assert out.startswith("wangwu has left: no new leads, out of every rota; 0 open leads")
    assert team(leads_settings, capsys, "remove", "wangwu", "--by", "olga")[0] == 0

    async def audit() -> list[tuple[str, str, str, dict[str, object]]]:
        engine = create_engine(leads_settings.storage.database_url)
        try:
            async with create_session_factory(engine)() as session:
                rows = await session.scalars(
                    select(AdminAudit)
                    .where(AdminAudit.action.like("team.%"))
                    .order_by(AdminAudit.id)
                )
                return [(r.actor, r.action, r.target, json.loads(r.detail)) for r in rows]
        finally:
            await engine.dispose()

    entries = asyncio.run(audit())
    assert [(actor, action, target) for actor, action, target, _ in entries] == [
        ("config", "team.seed", "*"),
        ("olga", "team.add", "zhaoliu"),
        ("olga", "team.edit", "zhaoliu"),
        ("olga", "team.leave", "lisi"),
        ("olga", "team.return", "lisi"),
        ("olga", "team.left", "wangwu"),
        ("olga", "team.remove", "wangwu"),
    ]
    assert entries[2][3] == {"changes": {"max_open": [5, 8]}}
    assert entries[3][3] == {
        "changes": {"deputy": [None, "zhaoliu"], "status": ["active", "away"],
                    "away_until": [None, until]}
    }  # fmt: skip


def team_err(settings: Settings) -> str:
    return database_line(settings)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("leave", "lisi", "--until", later(-1)),
         f"leave must end after today ({later(0)}), got {later(-1)}"),
        (("leave", "lisi", "--until", later(0)),
         f"leave must end after today ({later(0)}), got {later(0)}"),
        (("leave", "lisi", "--until", later(3), "--deputy", "lisi"),
         "lisi cannot be their own deputy"),
        (("leave", "lisi", "--until", later(3), "--deputy", "nobody"),
         "deputy nobody is not on the sales team"),
        (("edit", "zhangsan", "--max-open", "-2"), "max_open must be 0 or more, got -2"),
        (("edit", "boss_less", "--manager", "zhangsan"), None),
        (("edit", "lisi", "--manager", "lisi"), "managers go round in a circle: lisi → lisi"),
        (("add", "lisi", "--name", "又一个李四"), "lisi is already on the team"),
    ],
)  # fmt: skip
def test_refused_changes_say_why(
    leads_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    problem: str | None,
) -> None:
    status, out, err = team(leads_settings, capsys, *args)
    if problem is None:  # an unknown salesperson: the command cannot run
        assert status == 2
        assert err.strip().endswith("no salesperson 'boss_less' (the team: zhangsan, lisi, wangwu)")
        return
    assert (status, out) == (1, "")
    assert f"  {problem}" in err.splitlines()


def test_a_deputy_away_and_a_circle_of_managers_are_refused(
    leads_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert team(leads_settings, capsys, "leave", "wangwu", "--until", later(5))[0] == 0
    status, _, err = team(leads_settings, capsys, "leave", "lisi", "--until", later(5),
                          "--deputy", "wangwu")  # fmt: skip
    assert status == 1
    assert "  deputy wangwu is on leave" in err.splitlines()
    assert team(leads_settings, capsys, "edit", "zhangsan", "--manager", "lisi")[0] == 0
    status, _, err = team(leads_settings, capsys, "edit", "lisi", "--manager", "zhangsan")
    assert status == 1
    assert "  managers go round in a circle: lisi → zhangsan → lisi" in err.splitlines()
    # Someone others name as manager or deputy stays until they name someone else.
    status, _, err = team(leads_settings, capsys, "remove", "lisi")
    assert status == 1
    assert "  zhangsan names lisi as their manager" in err.splitlines()


async def test_remove_refuses_someone_with_open_leads(
    leads_bot: LeadsBot,
    leads_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    player: WeChatPlayer,
) -> None:
    lead = await leads_bot.new_lead(player, "o_remove", PHONE)
    assert lead.owner == "zhangsan"
    status, _, err = await asyncio.to_thread(team, leads_settings, capsys, "remove", "zhangsan")
    assert status == 1
    assert "  zhangsan has 1 open leads: hand them over first" in err.splitlines()


@pytest.mark.shared_redis  # the CLI is another "process": its notice goes through Redis
async def test_a_change_reaches_the_running_bot_within_two_seconds(
    leads_bot: LeadsBot, leads_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = leads_bot.client.app[POLICY]
    assert policy.team.takes_leads("lisi")
    started = time.monotonic()
    status, _, _ = await asyncio.to_thread(
        team, leads_settings, capsys, "leave", "lisi", "--until", later(4), "--deputy", "zhangsan"
    )
    assert status == 0
    while policy.team.takes_leads("lisi"):
        assert time.monotonic() - started < SWITCH_WITHIN_S, "the bot did not see the change"
        await asyncio.sleep(0.05)
    rep = policy.rep("lisi")
    assert rep is not None and rep.status == Status.AWAY and rep.deputy == "zhangsan"
    assert policy.team.recipient("lisi") == "zhangsan"
    async with leads_bot.client.app[SESSIONS]() as session:
        assert await session.scalar(
            select(AdminAudit.actor).where(AdminAudit.action == "team.leave")
        )


@pytest.mark.shared_services  # two apps on one database and Redis: two processes
async def test_a_change_in_one_process_is_live_in_another_within_two_seconds(
    leads_bot: LeadsBot, leads_settings: Settings, aiohttp_client: ClientFactory
) -> None:
    other = await aiohttp_client(create_app(leads_settings, clock=leads_bot.clock))
    mine, theirs = leads_bot.client.app, other.app
    assert theirs[POLICY].team is not mine[POLICY].team
    ops = TeamOps(mine[POLICY], mine[SESSIONS], mine[CACHE], clock=leads_bot.clock)
    started = time.monotonic()
    await ops.edit("olga", "wangwu", max_open=7, tags=("杭州",))
    while (rep := theirs[POLICY].rep("wangwu")) is None or rep.max_open != 7:
        assert time.monotonic() - started < SWITCH_WITHIN_S, "the other process did not see it"
        await asyncio.sleep(0.05)
    assert rep.tags == ("杭州",)


def test_without_leads_there_is_no_team(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = write_config()
    status, out, err = team(settings, capsys, "list")
    assert (status, out) == (2, "")
    assert err.startswith(f"no [leads] in {settings.source}")
