"""`wxbot keywords …` run in-process, as ops run it, against the test config."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from keywords.table_csv import read_table
from storage.admin_users import AdminUsers
from storage.database import create_engine, create_session_factory
from storage.models import InboundEvent, Profile
from storage.types import utc_now
from tests.conftest import ConfigWriter
from tests.keywords_ops.tables import HEADER, V1, V2

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def wxbot(write_config: ConfigWriter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs `wxbot --config <test config> ARGS…`; (exit status, stdout, stderr)."""
    write_config()
    config = tmp_path / "config.toml"

    def run(*args: str) -> tuple[int, str, str]:
        status = main(["--config", str(config), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_ROWS = [
    ("a,texts,contains,价格,x,,,,", "2: trigger: unknown value 'texts'"),
    ("a,text,fuzzy,价格,x,,,,", "2: match: unknown value 'fuzzy'"),
    ("a,text,regex,[ab,x,,,,", "2: keywords: regex '[ab' does not compile"),
    ("a,text,contains,价格,,,,,", "2: reply: a text reply is empty"),
    ("a,text,contains,价格,x,,,,\na,text,contains,地址,y,,,,", "3: rule: duplicate rule name 'a'"),
]


@pytest.mark.parametrize(("rows", "expected"), BAD_ROWS)
def test_check_reports_each_error_with_line_and_column(
    wxbot: Run, tmp_path: Path, rows: str, expected: str
) -> None:
    status, out, _ = wxbot("keywords", "check", str(write(tmp_path, "t.csv", HEADER + rows + "\n")))
    assert status == 1
    assert f"t.csv:{expected}" in out


def test_check_reports_news_json_hours_and_all_problems_at_once(wxbot: Run, tmp_path: Path) -> None:
    table = (
        "rule,trigger,keywords,reply_type,reply,hours\n"
        "news,text,新闻,news,{not json,\n"
        "night,text,夜,text,晚安,25:00-06:00\n"
    )
    status, out, _ = wxbot("keywords", "check", str(write(tmp_path, "t.csv", table)))
    assert status == 1
    assert "t.csv:2: reply: news reply is not valid JSON" in out
    assert "t.csv:3: hours: 25:00 is not a time of day" in out
    assert "2 errors" in out


def test_check_warns_of_shadowed_keywords_but_passes(wxbot: Run, tmp_path: Path) -> None:
    table = HEADER + "a,text,contains,价格,x,,,,10\nb,text,contains,价格表,y,,,,\n"
    status, out, _ = wxbot("keywords", "check", str(write(tmp_path, "t.csv", table)))
    assert status == 0
    assert "t.csv:3: keywords: warning: keyword '价格表' can never fire: rule 'a'" in out


def test_test_shows_winner_beaten_reply_tags_and_points(wxbot: Run) -> None:
    status, out, _ = wxbot("keywords", "test", "--account", "main", "我想问下试驾价格")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "fires: price: text / contains, keyword '价格', priority 10"
    assert lines[1:3] == [
        "beat (lower priority or later row):",
        "  drive: text / word, keyword '试驾', priority 0",
    ]
    assert "  [1] 我们的价格表：https://example.com/price" in lines
    assert "tags: 询价" in lines
    assert "points: 30" in lines


def test_test_a_table_not_yet_published(wxbot: Run, tmp_path: Path) -> None:
    status, out, _ = wxbot(
        "keywords", "test", "--account", "main", "--file", str(write(tmp_path, "v2.csv", V2)),
        "开发票",
    )  # fmt: skip
    assert status == 0
    assert out.startswith("fires: invoice: text / contains, keyword '发票'")


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (
            ["--click", "MENU_PRICE"],
            "fires: menu_price: click / exact, keyword 'MENU_PRICE', priority 0",
        ),
        (
            ["--subscribe", "spring_expo"],
            "fires: expo: subscribe / exact, keyword 'spring_expo', priority 0",
        ),
        (
            ["--subscribe"],
            "fires: welcome: subscribe / exact, any signal (blank keywords), priority 0",
        ),
        (
            ["随便说说"],
            "fires: fallback: default / contains, any signal (blank keywords), priority 0",
        ),
    ],
)
def test_test_other_signals(wxbot: Run, args: list[str], first_line: str) -> None:
    status, out, _ = wxbot("keywords", "test", "--account", "main", *args)
    assert status == 0
    assert out.splitlines()[0] == first_line


def test_publish_history_rollback_export(wxbot: Run, tmp_path: Path) -> None:
    status, out, _ = wxbot(
        "keywords", "publish", str(write(tmp_path, "v1.csv", V1)), "--account", "main",
        "--by", "alice",
    )  # fmt: skip
    assert status == 0
    assert out.startswith("published version 1 for main (3 rules, by alice):")
    status, out, _ = wxbot(
        "keywords", "publish", str(write(tmp_path, "v2.csv", V2)), "--account", "main"
    )
    assert "1 added (invoice), 1 removed (hello), 1 changed (price)" in out
    assert wxbot("keywords", "rollback", "1", "--by", "carol")[1].startswith(
        "published version 3 for main (3 rules, by carol)"
    )
    status, out, _ = wxbot("keywords", "history", "--account", "main")
    lines = out.splitlines()
    assert lines[0].split() == ["version", "live", "account", "published", "by", "rules", "changes"]
    assert [line.split()[:2] for line in lines[1:]] == [["3", "LIVE"], ["2", "main"],
                                                        ["1", "main"]]  # fmt: skip
    assert "[rollback to version 1]" in lines[1]
    assert " UTC+8  carol " in lines[1]
    for name in ("live.csv", "live.xlsx"):
        assert wxbot("keywords", "export", "--account", "main", "-o", str(tmp_path / name))[0] == 0
        assert read_table(tmp_path / name).rules == read_table(tmp_path / "v1.csv").rules


def test_export_to_stdout_is_the_live_csv(wxbot: Run) -> None:
    status, out, _ = wxbot("keywords", "export", "--account", "main")
    assert status == 0
    assert out.startswith("rule,trigger,match,keywords,reply_type,reply,")
    assert "price,text,contains,价格|多少钱" in out


def test_publish_refuses_a_broken_table(wxbot: Run, tmp_path: Path) -> None:
    broken = write(tmp_path, "bad.csv", HEADER + "a,text,regex,[ab,x,,,,\n")
    status, _, err = wxbot("keywords", "publish", str(broken), "--account", "main")
    assert status == 1
    assert "bad.csv:2: keywords: regex '[ab' does not compile" in err
    assert "nothing published yet" in wxbot("keywords", "history")[1]


def test_unknown_account_and_version(wxbot: Run, tmp_path: Path) -> None:
    status, _, err = wxbot("keywords", "rollback", "42")
    assert status == 2
    assert err == "there is no version 42\n"
    status, _, err = wxbot("keywords", "export", "--account", "nope")
    assert status == 2
    assert err == "unknown account 'nope' (known: main, *)\n"


async def _seed(
    database_url: str, rows: list[tuple[str, str | None, str | None, int | None]]
) -> None:
    """Stored events: (openid, content or event, rule, variant); events are ":click"."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            profiles: dict[str, Profile] = {}
            now = utc_now()
            for number, (openid, content, rule, variant) in enumerate(rows):
                if openid not in profiles:
                    profiles[openid] = Profile()
                    session.add(profiles[openid])
                    await session.flush()
                click = content == ":click"
                session.add(InboundEvent(
                    dedup_key=f"seed:{number}", account="main", openid=openid,
                    profile_id=profiles[openid].id, msg_type="event" if click else "text",
                    event="click" if click else None, content=None if click else content,
                    sent_at=now, received_at=now - timedelta(hours=2) + timedelta(seconds=number),
                    rule=rule, variant=variant,
                ))  # fmt: skip
    finally:
        await engine.dispose()


def test_misses_groups_unanswered_messages_and_counts_hits(wxbot: Run, database_url: str) -> None:
    asyncio.run(_seed(database_url, [
        ("o1", "发票怎么开", None, None),
        ("o2", "发票抬头写什么 13800138000", "fallback", None),
        ("o3", "价格", "price", 0),
        ("o4", "售后在哪", None, None),
    ]))  # fmt: skip
    status, out, _ = wxbot("keywords", "misses", "--days", "7")
    assert status == 0
    assert "unanswered messages in the last 7 days: 3" in out
    assert "     2  发票  (" in out
    assert "138****8000" in out or "发票怎么开" in out
    assert "13800138000" not in out
    assert "     1  price" in out
    assert "     0  drive  ← never fired" in out


def test_variants_reports_who_went_on(wxbot: Run, database_url: str) -> None:
    rows: list[tuple[str, str | None, str | None, int | None]] = []
    for number in range(40):
        rows.append((f"a{number}", "试驾", "drive", 0))
        if number < 30:
            rows.append((f"a{number}", ":click", None, None))
        rows.append((f"b{number}", "试驾", "drive", 1))
        if number < 5:
            rows.append((f"b{number}", ":click", None, None))
    asyncio.run(_seed(database_url, rows))
    status, out, _ = wxbot("keywords", "variants", "--days", "14")
    assert status == 0
    assert "  variant 1: 40 got it, 30 went on within 24 h (75%)" in out
    assert "  variant 2: 40 got it, 5 went on within 24 h (12%)" in out
    assert out.splitlines()[-1] == (
        '"went on": within 24 h of the reply the follower clicked a menu,'
        " left a phone number or became a lead"
    )
    assert "variant 1 does better than variant 2; the difference is real" in out


def test_test_at_an_hour_says_which_rules_were_closed(wxbot: Run, tmp_path: Path) -> None:
    table = write(
        tmp_path,
        "hours.csv",
        "rule,trigger,keywords,reply,priority,hours\n"
        "human,text,人工,人工客服在线,5,09:00-18:00\n"
        "after_hours,text,人工,请留言,0,\n",
    )
    status, out, _ = wxbot("keywords", "test", "--file", str(table), "--at", "20:00", "人工")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "fires: after_hours: text / contains, keyword '人工', priority 0"
    assert lines[1:3] == [
        "closed at 20:00 (outside their hours):",
        "  human: text / contains, keyword '人工', priority 5, hours 09:00-18:00",
    ]
    status, out, _ = wxbot("keywords", "test", "--file", str(table), "--at", "10:00", "人工")
    assert "closed" not in out and out.startswith("fires: human:")


async def test_publishes_and_rollbacks_from_the_cli_are_audited(
    wxbot: Run, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who: `--by`, else the OS user; what: the version and the rules it changed."""
    monkeypatch.setattr("getpass.getuser", lambda: "shell_user")
    v1, v2 = write(tmp_path, "v1.csv", V1), write(tmp_path, "v2.csv", V2)
    await asyncio.to_thread(
        wxbot, "keywords", "publish", str(v1), "--account", "main", "--by", "alice"
    )
    await asyncio.to_thread(wxbot, "keywords", "publish", str(v2), "--account", "main")
    await asyncio.to_thread(wxbot, "keywords", "rollback", "1", "--by", "carol")
    engine = create_engine(database_url)
    try:
        entries = await AdminUsers(create_session_factory(engine)).audit_log(10)
    finally:
        await engine.dispose()
    assert [(e.actor, e.action, e.target) for e in reversed(entries)] == [
        ("alice", "keywords.publish", "main"),
        ("shell_user", "keywords.publish", "main"),
        ("carol", "keywords.rollback", "main"),
    ]
    assert json.loads(entries[1].detail) == {
        "version": 2, "added": ["invoice"], "removed": ["hello"], "changed": ["price"],
        "reordered": False, "note": "v2.csv",
        "summary": "1 added (invoice), 1 removed (hello), 1 changed (price)",
    }  # fmt: skip
    assert json.loads(entries[0].detail)["from_version"] == 1
