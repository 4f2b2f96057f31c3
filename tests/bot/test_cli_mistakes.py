"""User mistakes on the command line: one line on stderr, exit status 2, no traceback.

Each case runs `wxbot` in-process through `main(argv)` as a user would type it
(the XLSX-to-a-terminal case runs it as a subprocess on a real pseudo-terminal).
"""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.conftest import APP_ID, APP_SECRET, KEYWORDS_CSV, TOKEN
from tests.keywords_ops.tables import BROKEN

Mistake = Callable[..., str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_text(port: int, extra: str = "", keywords: str = "keywords.csv") -> str:
    return f"""
[server]
port = {port}

[[wechat]]
name = "main"
app_id = "{APP_ID}"
app_secret = "{APP_SECRET}"
token = "{TOKEN}"
keywords = "{keywords}"
{extra}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config with a SQLite file next to it, on a port nobody listens on."""
    (tmp_path / "keywords.csv").write_text(KEYWORDS_CSV, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(config_text(free_port()), encoding="utf-8")
    return path


@pytest.fixture
def mistake(capsys: pytest.CaptureFixture[str]) -> Iterator[Mistake]:
    """Runs `wxbot ARGS…`, asserts exit 2 and one stderr line without a traceback; the line."""

    def run(*args: str) -> str:
        try:
            status = main(list(args))
        except SystemExit as exit_:  # argparse's own errors exit
            status = int(exit_.code or 0)
        err = capsys.readouterr().err
        assert status == 2, err
        assert "Traceback" not in err
        assert len(err.splitlines()) == 1, err
        return err.strip()

    yield run


def test_serve_with_a_missing_keyword_table(mistake: Mistake, config: Path) -> None:
    (config.parent / "keywords.csv").unlink()
    line = mistake("--config", str(config), "serve")
    assert line == f"keyword table {config.parent / 'keywords.csv'} does not exist"


def test_serve_with_a_broken_keyword_table(mistake: Mistake, config: Path) -> None:
    (config.parent / "keywords.csv").write_text(BROKEN, encoding="utf-8")
    line = mistake("--config", str(config), "serve")
    assert "keywords.csv:2: trigger: unknown value 'texts'" in line
    assert "(and 2 more)" in line and "wxbot keywords check" in line


def test_serve_with_a_broken_tagging_file_lists_the_allowed_values(
    mistake: Mistake, config: Path
) -> None:
    rules = config.parent / "tagging.toml"
    rules.write_text(
        '[[counter]]\nname = "c"\nevent = "clik"\nkey = ""\nat_least = 1\n'
        'within_days = 1\ntag = "t"\n',
        encoding="utf-8",
    )
    config.write_text(config.read_text() + '\n[tagging]\nrules = "tagging.toml"\n')
    line = mistake("--config", str(config), "serve")
    assert line.startswith(f"tagging rules {rules}:3: ")
    assert "unknown value 'clik' (allowed: " in line and "click" in line


def test_serve_on_a_busy_port(mistake: Mistake, config: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config.write_text(config_text(port))
        line = mistake("--config", str(config), "serve")
    assert line == (
        f"port {port} is in use: is another wxbot running? set [server] port in {config}"
    )


def test_simulate_with_no_bot_running(mistake: Mistake, config: Path) -> None:
    port = int(config.read_text().split("port = ")[1].split()[0])
    line = mistake("--config", str(config), "simulate", "价格")
    assert line == f"nothing answers at http://127.0.0.1:{port}: is `wxbot serve` running?"


def test_simulate_with_an_unknown_account_lists_the_known(mistake: Mistake, config: Path) -> None:
    line = mistake("--config", str(config), "simulate", "--account", "mian", "价格")
    assert line == f"no [[wechat]] account 'mian' in {config} (known: main)"


@pytest.mark.parametrize(
    "args",
    [
        ("keywords", "test", "--file", "nope.csv", "价格"),
        ("keywords", "publish", "nope.csv", "--account", "main"),
    ],
    ids=["test", "publish"],
)
def test_keyword_commands_with_a_missing_file(
    mistake: Mistake, config: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(config.parent)
    assert mistake("--config", str(config), *args) == "nope.csv does not exist"


def test_a_bad_log_level(mistake: Mistake, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WXBOT_LOG_LEVEL", "LOUD")
    line = mistake("--config", str(config), "db", "upgrade")
    assert line == (
        "config error: environment: WXBOT_LOG_LEVEL: must be one of DEBUG, INFO, WARNING,"
        " ERROR, CRITICAL, got 'LOUD'"
    )


def test_a_section_typo_is_an_unknown_section(mistake: Mistake, config: Path) -> None:
    config.write_text(config.read_text() + '\n[lead]\nwecom = "sales"\n')
    line = mistake("--config", str(config), "db", "upgrade")
    assert line == f"config error: {config}: lead: unknown section `lead` (did you mean `leads`?)"


def test_negative_days_are_refused(mistake: Mistake, config: Path) -> None:
    line = mistake("--config", str(config), "keywords", "misses", "--days", "-3")
    assert "argument --days: must be at least 1, got -3" in line


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (
            (),
            "choose one of: serve, worker, events, simulate, db, users, keywords, channels,"
            " outbox, doctor",
        ),
        (("users",), "choose one of: show"),
        (("db",), "choose one of: upgrade"),
        (("team",), "choose one of: list, add, edit, leave, return, remove, handover"),
        (("keywords",), "choose one of: check, test, publish, history"),
        (("menus",), "choose one of: check, publish, history, rollback, pull, show, try"),
    ],
)
def test_a_missing_subcommand_lists_the_choices(
    mistake: Mistake, config: Path, args: tuple[str, ...], choices: str
) -> None:
    assert choices in mistake("--config", str(config), *args)


def test_reading_a_database_that_does_not_exist(
    mistake: Mistake, config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Run from another folder: the database is still the one next to the config.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    line = mistake("--config", str(config), "users", "show", "o_fan")
    assert line.startswith(f"no database at {config.parent.resolve() / 'wxbot.db'} ")
    assert not (elsewhere / "wxbot.db").exists()
    assert not (config.parent / "wxbot.db").exists()


def test_every_config_error_at_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[server]\nport = "80"\nhots = "x"\n[storage]\ndatabase_url = "mysql://x"\n'
        '[[wechat]]\nname = "main"\n[lead]\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "db", "upgrade"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"config error: {path}: server.port: must be an integer, got str",
        f"config error: {path}: server.hots: unknown key (did you mean `host`?)",
        f"config error: {path}: storage.database_url: must start with sqlite+aiosqlite://"
        " or postgresql+asyncpg://",
        f"config error: {path}: wechat[0].app_id: is required",
        f"config error: {path}: wechat[0].app_secret: is required",
        f"config error: {path}: wechat[0].token: is required",
        f"config error: {path}: wechat[0].keywords: is required",
        f"config error: {path}: lead: unknown section `lead` (did you mean `leads`?)",
    ]


def test_export_refuses_xlsx_to_a_terminal(config: Path) -> None:
    """Run as a subprocess whose stdout is a real pseudo-terminal."""
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "--config", str(config), "db", "upgrade"],
        check=True,
        capture_output=True,
    )
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bot", "--config", str(config), "keywords", "export",
             "--account", "main", "--format", "xlsx"],
            stdout=terminal, stderr=subprocess.PIPE, text=True, timeout=30, check=False,
        )  # fmt: skip
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "XLSX is binary: give -o FILE.xlsx, or redirect stdout to a file"
    ]
