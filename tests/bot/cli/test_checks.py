"""Every `check` lists all problems at once, each with its line and reason, then a summary.

Keyword tables, journeys and tagging rules; a new file kind reuses `run_check`.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli.errors import ExitStatus, UsageError, run_check, user_mistake
from bot.cli.main import main
from filecheck.problems import Problem, ProblemsError, Severity
from journeys.journeys_file import JourneysError, parse_journeys
from tagging.rules_file import RulesError, parse_rules
from tests.keywords_ops.tables import HEADER

JOURNEYS = """\
[[journey]]
name = "a"
trigger = "clack:X"
[[journey.step]]
action = "txt"
[[journey.step]]
wait = "soon"
action = "text"
text = "t"
template = "nope"
restart = "yes"
"""
RULES = """\
[[counter]]
name = "c"
event = "clik"
within_days = 0
tag = "t"
colour = 1
[[tier]]
name = "v"
within_days = 7
levels = [{ at_least = 1, tga = "x" }]
"""
TABLE = HEADER + "a,texts,contains,价格,x,,,,\nb,text,regex,[ab,x,,,,\nc,text,contains,价格,,,,,\n"


@pytest.fixture(autouse=True)
def _no_logging_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    # main() installs process-wide logging handlers; keep them out of the other tests.
    monkeypatch.setattr("bot.cli.main.setup_logging", lambda level: None)


def check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], group: str, name: str, text: str
) -> tuple[int, list[str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    status = main([group, "check", str(path)])
    return status, capsys.readouterr().out.replace(f"{tmp_path}/", "").splitlines()


def test_journeys_check_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = check(tmp_path, capsys, "journeys", "j.toml", JOURNEYS)
    assert status == ExitStatus.PROBLEMS
    assert [line.split(": ")[0:2] for line in lines] == [
        ["j.toml:3", "journey 'a'.trigger"],
        ["j.toml:5", "journey 'a' step 1.action"],
        ["j.toml:7", "journey 'a' step 2.wait"],
        ["j.toml:10", "journey 'a' step 2.template"],
        ["j.toml:11", "journey 'a' step 2.restart"],
        ["j.toml", "5 errors, 0 warnings"],
    ]


def test_tagging_check_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = check(tmp_path, capsys, "tagging", "t.toml", RULES)
    assert status == ExitStatus.PROBLEMS
    assert lines == [
        "t.toml:3: [[counter]] #1 (c).event: unknown value 'clik'"
        " (allowed: click, text, subscribe, scan)",
        "t.toml:4: [[counter]] #1 (c).within_days: must be at least 1, got 0",
        "t.toml:6: [[counter]] #1 (c).colour: unknown key",
        # `tag` is not also "required": the typo is the one mistake.
        "t.toml:10: [[tier]] #1 (v).levels[0].tga: unknown key (did you mean `tag`?)",
        "t.toml: 4 errors, 0 warnings",
    ]


def test_keywords_check_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = check(tmp_path, capsys, "keywords", "k.csv", TABLE)
    assert status == ExitStatus.PROBLEMS
    assert [line.split(": ")[0:2] for line in lines] == [
        ["k.csv:2", "trigger"],
        ["k.csv:3", "keywords"],
        ["k.csv:4", "reply"],
        ["k.csv", "0 rules, 3 errors, 0 warnings"],
    ]


def test_the_loaders_raise_every_problem_too() -> None:
    with pytest.raises(JourneysError) as journeys:
        parse_journeys(JOURNEYS, "j.toml")
    assert [p.line for p in journeys.value.problems] == [3, 5, 7, 10, 11]
    with pytest.raises(RulesError) as rules:
        parse_rules(RULES, "t.toml")
    assert [p.line for p in rules.value.problems] == [3, 4, 6, 10]


def test_a_file_the_config_names_is_one_line_that_points_at_its_check() -> None:
    with pytest.raises(RulesError) as rules:
        parse_rules(RULES, "t.toml")
    assert user_mistake(rules.value) == (
        "tagging rules t.toml:3: [[counter]] #1 (c).event: unknown value 'clik' (allowed:"
        " click, text, subscribe, scan) (and 3 more); `wxbot tagging check t.toml` lists all"
    )


class ThingsError(ProblemsError):
    """A new kind of file, as the channels or menus tables will be."""


def test_a_new_file_kind_gets_its_check_from_run_check(tmp_path: Path) -> None:
    path = tmp_path / "things.csv"
    path.write_text("x", encoding="utf-8")

    def load(found: Path) -> tuple[str, tuple[Problem, ...]]:
        raise ThingsError(
            str(found),
            [
                Problem(str(found), 4, "name", "duplicate thing 'x'"),
                Problem(str(found), 2, "size", "must be a number"),
                Problem(str(found), 3, "note", "looks like a typo", Severity.WARNING),
            ],
        )

    out = io.StringIO()
    assert run_check(path, load, out) == ExitStatus.PROBLEMS
    assert out.getvalue().replace(f"{tmp_path}/", "").splitlines() == [
        "things.csv:2: size: must be a number",
        "things.csv:4: name: duplicate thing 'x'",
        "things.csv:3: note: warning: looks like a typo",
        "things.csv: 2 errors, 1 warnings",
    ]
    out = io.StringIO()
    assert run_check(path, lambda _: ("3 things", ()), out) == ExitStatus.DONE
    assert out.getvalue() == f"{path}: 3 things, 0 errors, 0 warnings\n"
    with pytest.raises(UsageError, match=r"nope\.csv does not exist"):
        run_check(tmp_path / "nope.csv", load, out)
