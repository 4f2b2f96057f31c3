"""One exit-status rule for every `wxbot` command, checked command by command.

0 done; 1 the input you gave has problems (all of them listed, with line numbers);
2 the command is wrong or cannot run (exactly one line on stderr, no traceback).
Each case runs `wxbot` in-process as typed, after its set-up commands, on a fresh
demo-like config and database. A command missing from the table fails the test:
a new command gets its rows here.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli.main import _parser, main
from tests.conftest import APP_ID, APP_SECRET, KEYWORDS_CSV, TOKEN
from tests.keywords_ops.tables import BROKEN, V1

ROOT = Path(__file__).resolve().parents[3]
BAD_JOURNEYS = (
    '[[journey]]\nname = "a"\ntrigger = "clack:X"\n'
    '[[journey.step]]\naction = "txt"\n'
    '[[journey.step]]\nwait = "soon"\naction = "text"\ntext = "t"\n'
)
BAD_MENU = '[[button]]\nname = "这个名字远远超过了十六个字节"\ntype = "click"\nkey = "K"\n'
CHANNELS = '[[channel]]\nkey = "expo"\nname = "车展"\ngroup = "线下活动"\n'
BAD_CHANNELS = '[[channel]]\nkey = "expo"\nname = "车展"\npoints = "many"\n'
BAD_RULES = '[[counter]]\nname = "c"\nevent = "clik"\nwithin_days = 0\ntag = "t"\n'


TEAM_COMMANDS = (
    "list", "add x --name X", "edit x --name X", "leave x --left", "return x", "remove x",
    "handover x", "reconcile",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    args: str  # as typed after `wxbot --config CONFIG`; {busy} is a port in use
    status: int
    stderr: str = ""  # for 2: the one line (a regex); for 1: a line of the list
    stdin: str = ""
    setup: tuple[str, ...] = ()  # commands run first (each must succeed)


CASES = [
    # serve, worker, fake-api run until stopped: their done case is the README test's.
    Case("serve --workers 2", 2, r"--workers 2 needs \[storage\] redis_url in .*config.toml"),
    Case("worker --workers 2", 2, r"--workers 2 needs \[storage\] redis_url"),
    Case("fake-api --port {busy}", 2, r"port \d+ is in use on 127.0.0.1"),
    Case("events failed", 0),
    Case("events retry 99", 2, r"no failed event #99 \(`wxbot events failed` lists them\)"),
    Case(
        "simulate 价格", 2, r"nothing answers at http://127.0.0.1:\d+: is `wxbot serve` running\?"
    ),
    Case(
        "simulate --account mian 价格", 2, r"no \[\[wechat\]\] account 'mian' in .* \(known: main\)"
    ),
    Case("db upgrade", 0),
    Case("users show nobody", 2, r"no profile matches 'nobody' \(an openid, a phone or #id\)"),
    Case("keywords check keywords.csv", 0),
    Case("keywords check broken.csv", 1, r"broken.csv:3: keywords: regex '\[ab' does not compile"),
    Case("keywords check nope.csv", 2, r"nope.csv does not exist"),
    Case("keywords test --account main 价格", 0),
    Case("keywords test --file broken.csv 价格", 1, r"broken.csv:2: trigger: unknown value"),
    Case("keywords test --account mian 价格", 2, r"unknown account 'mian' \(known: main, \*\)"),
    Case("keywords test --at 25:00 价格", 2, r"--at '25:00' is not HH:MM"),
    Case("keywords test --file nope.csv 价格", 2, r"nope.csv does not exist"),
    Case("keywords publish v1.csv --account main", 0),
    Case("keywords publish broken.csv --account main", 1, r"broken.csv:2: trigger: unknown"),
    Case("keywords publish v1.csv --account mian", 2, r"unknown account 'mian'"),
    Case("keywords publish nope.csv --account main", 2, r"nope.csv does not exist"),
    Case("keywords history", 0),
    Case("keywords history --account mian", 2, r"unknown account 'mian'"),
    Case("keywords rollback 1", 0, setup=("keywords publish v1.csv --account main",)),
    Case("keywords rollback 42", 2, r"there is no version 42"),
    Case("keywords export --account main", 0),
    Case("keywords export --account mian", 2, r"unknown account 'mian'"),
    Case("keywords misses", 0),
    Case("keywords misses --days -3", 2, r"argument --days: must be at least 1, got -3"),
    Case("keywords variants", 0),
    Case("outbox", 0),
    Case("outbox retry 99", 2, r"no outbox job #99"),
    Case("doctor --demo", 1),  # the fake API is not running: a config problem, listed
    Case("doctor", 1),
    Case("admin list", 0),
    Case("admin add-user bob --role ops", 0, stdin="long enough\n"),
    Case("admin add-user bob --role ops", 1, r"the password needs at least 8", stdin="short\n"),
    Case(
        "admin add-user bob --role ops",
        2,
        r"admin user 'bob' exists already",
        stdin="long enough\n",
        setup=("admin add-user bob --role ops",),
    ),
    Case("admin passwd nobody", 2, r"no admin user 'nobody' \(`wxbot admin list` shows them\)"),
    Case("admin remove nobody", 2, r"no admin user 'nobody'"),
    Case("journeys check journeys.toml", 0),
    Case("journeys check bad_journeys.toml", 1, r"bad_journeys.toml:3: journey 'a'.trigger"),
    Case("journeys check nope.toml", 2, r"nope.toml does not exist"),
    Case("journeys list", 0),
    Case("journeys runs --user nobody", 2, r"no profile matches 'nobody'"),
    Case("journeys dry-run price_nurture --user o_new", 0),
    Case("journeys dry-run nope --user o_new", 2, r"no journey named 'nope' \(known: .*\)"),
    Case("journeys stats price_nurture", 0),
    Case("journeys stats nope", 2, r"no journey named 'nope'"),
    Case("journeys start spring_campaign --segment tag:留资", 0),
    Case("journeys start spring_campaign --segment tag:", 2, r"--segment 'tag:': "),
    Case("tagging check tagging.toml", 0),
    Case("tagging check bad_rules.toml", 1, r"bad_rules.toml:3: \[\[counter\]\] #1 \(c\).event"),
    Case("tagging check nope.toml", 2, r"nope.toml does not exist"),
    Case("menus check menu.toml", 0),
    Case("menus check bad_menu.toml", 1, r"bad_menu.toml:2: name: .* is 42 bytes"),
    Case("menus check nope.toml", 2, r"nope.toml does not exist"),
    Case("menus check menu.toml --account mian", 2, r"mian"),
    Case("menus publish menu.toml", 2, r"WeChat at http://127.0.0.1:\d+/_fake: .*"),
    Case("menus publish bad_menu.toml", 1, r"bad_menu.toml:2: name: .* is 42 bytes"),
    Case("menus history", 0),
    Case("menus rollback 42", 2, r"there is no menu version 42"),
    Case("menus pull", 2, r"WeChat at http://127.0.0.1:\d+/_fake: "),
    Case("menus show", 0),
    Case("menus try o_someone", 2, r"WeChat at http://127.0.0.1:\d+/_fake: "),
    Case("channels check channels.toml", 0),
    Case("channels check bad_channels.toml", 1, r"bad_channels.toml:4: "),
    Case("channels check nope.toml", 2, r"nope.toml does not exist"),
    Case("channels publish channels.toml", 0),
    Case("channels publish bad_channels.toml", 1, r"bad_channels.toml:4: "),
    Case("channels history", 0),
    Case("channels rollback 42", 2, r"^error: there is no channels version 42$"),
    Case("channels list", 0),
    Case("channels show expo", 0, setup=("channels publish channels.toml",)),
    Case("channels show nope", 2, r"nope"),
    Case("channels qr nope -o nope.png", 2, r"nope"),
    Case("channels stats", 0),
    Case("channels stats --days 0", 2, r"--days: must be at least 1, got 0"),
    # No [leads] here: the team's 0 and 1 cases are in tests/team/test_team_cli.py.
    *(
        Case(f"team {args}", 2, r"^no \[leads\] in .*config.toml: the team belongs to the leads$")
        for args in TEAM_COMMANDS
    ),
    Case("keywords", 2, r"wxbot keywords: choose one of: check, test, publish"),
    Case("nonsense", 2, r"wxbot: argument command: invalid choice: 'nonsense'"),
]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config, its files and an upgraded database; the working directory; a busy port."""
    for name, text in (
        ("keywords.csv", KEYWORDS_CSV),
        ("broken.csv", BROKEN),
        ("v1.csv", V1),
        ("bad_journeys.toml", BAD_JOURNEYS),
        ("bad_rules.toml", BAD_RULES),
        ("bad_menu.toml", BAD_MENU),
        ("channels.toml", CHANNELS),
        ("bad_channels.toml", BAD_CHANNELS),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "journeys.toml", tmp_path / "journeys.toml")
    shutil.copy(ROOT / "menus" / "demo.toml", tmp_path / "menu.toml")
    shutil.copy(ROOT / "tagging.example.toml", tmp_path / "tagging.toml")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    (tmp_path / "config.toml").write_text(
        f'[server]\nport = {port}\n\n[[wechat]]\nname = "main"\napp_id = "{APP_ID}"\n'
        f'app_secret = "{APP_SECRET}"\ntoken = "{TOKEN}"\nkeywords = "keywords.csv"\n'
        f'api_base = "http://127.0.0.1:{port}/_fake"\n\n'
        '[journeys]\nfile = "journeys.toml"\n\n[tagging]\nrules = "tagging.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    # main() installs process-wide logging handlers; keep them out of the other tests.
    monkeypatch.setattr("bot.cli.main.setup_logging", lambda level: None)
    assert main(["--config", "config.toml", "db", "upgrade"]) == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("BUSY_PORT", str(busy.getsockname()[1]))
        yield tmp_path


def run(
    args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    argv = args.replace("{busy}", os.environ["BUSY_PORT"]).split()
    try:
        status = main(["--config", "config.toml", *argv])
    except SystemExit as exit_:  # argparse's own errors exit
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("case", CASES, ids=[f"{c.status}: {c.args}" for c in CASES])
def test_the_exit_status_and_what_is_said(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: Case,
) -> None:
    capsys.readouterr()
    for setup in case.setup:
        assert run(setup, capsys, monkeypatch, case.stdin)[0] == 0
    status, out, err = run(case.args, capsys, monkeypatch, case.stdin)
    assert status == case.status, (out, err)
    assert "Traceback" not in err
    if case.status == 2:
        assert len(err.splitlines()) == 1, err
        assert re.search(case.stderr, err), err
    elif case.stderr:
        listed = (out + err).splitlines()
        assert any(re.search(case.stderr, line) for line in listed), out + err


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                deeper = _commands(sub, f"{prefix}{name} ")
                found |= deeper or {f"{prefix}{name}"}
    return found


def test_every_command_has_its_cases() -> None:
    covered = {" ".join(case.args.split()[:2]) for case in CASES} | {
        case.args.split()[0] for case in CASES
    }
    missing = sorted(_commands(_parser()) - covered)
    assert not missing, f"add exit-status cases for: {missing}"
