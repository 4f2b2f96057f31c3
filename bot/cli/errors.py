"""How every `wxbot` command ends: one exit-status rule, one way to say what went wrong.

    0  done.
    1  the input you gave has problems: a `check` that found errors, a publish
       refused by validation, a preview with errors. The problems are listed,
       all of them, each with its line and reason.
    2  the command itself is wrong or cannot run: a usage error, an unknown
       account, channel, version or user, a missing file, a config error, no bot
       running, a service that does not answer. One line on stderr says what
       and where.

A traceback is for a bug in wxbot, never for a mistake the user can fix.

For a command: raise `UsageError` for a 2 (`main` prints it); for a 1, list the
problems with `print_problems` (or `run_check` for a `check FILE` command) and
return its status. A new kind of file gets its `check` command in three lines:

    def _check(path: Path, out: TextIO) -> int:
        return run_check(path, lambda p: (f"{len(load_things(p))} things", ()), out)

where `load_things` raises its `filecheck.problems.ProblemsError` subclass; add that
class to `CHECK_COMMANDS` so that `serve` points at the check when the file is bad.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from enum import IntEnum
from pathlib import Path
from typing import NoReturn, TextIO

from bot.errors import SettingsError, SettingsErrors, WxbotError
from channels.table_file import ChannelsError
from filecheck.problems import Problem, ProblemsError, Severity, problem_lines
from journeys.journeys_file import JourneysError
from keywords.problems import TableError
from tagging.rules_file import RulesError


class ExitStatus(IntEnum):
    """The one rule of exit statuses (see the module docstring)."""

    DONE = 0
    PROBLEMS = 1
    USAGE = 2


# Which `wxbot GROUP check FILE` lists every problem of a file kind, and what to call it.
CHECK_COMMANDS: dict[type[ProblemsError], tuple[str, str]] = {
    TableError: ("keyword table", "keywords"),
    RulesError: ("tagging rules", "tagging"),
    JourneysError: ("journeys file", "journeys"),
    ChannelsError: ("channel table", "channels"),
}


class UsageError(WxbotError):
    """A mistake the user can fix (exit 2); its message is the one line they read."""


class CliParser(argparse.ArgumentParser):
    """argparse, but its errors are one line and a missing subcommand lists the choices."""

    def error(self, message: str) -> NoReturn:
        missing = message.removeprefix("the following arguments are required: ").split(", ")
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and action.dest in missing:
                message = "choose one of: " + ", ".join(action.choices)
        self.exit(ExitStatus.USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (`--days -3` is a mistake)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def existing_file(path: Path) -> Path:
    """`path`, or a `UsageError` when there is no such file."""
    if not path.is_file():
        raise UsageError(f"{path} does not exist")
    return path


def print_problems(problems: Iterable[Problem], out: TextIO) -> ExitStatus:
    """Every problem (errors first, each by line); PROBLEMS when any is an error."""
    listed = list(problems)
    out.writelines(f"{line}\n" for line in problem_lines(listed))
    errors = any(problem.severity is Severity.ERROR for problem in listed)
    return ExitStatus.PROBLEMS if errors else ExitStatus.DONE


def run_check(
    path: Path, load: Callable[[Path], tuple[str, Iterable[Problem]]], out: TextIO
) -> ExitStatus:
    """`wxbot … check FILE`: every problem of the file, then one summary line.

    `load(path)` reads the file and returns what it holds ("4 journeys, 9 steps") with
    its warnings, or raises the file's `ProblemsError`. A missing file is a `UsageError`.
    """
    existing_file(path)
    try:
        what, problems = load(path)
    except ProblemsError as error:
        what, problems = "", error.problems
    listed = list(problems)
    status = print_problems(listed, out)
    errors = sum(problem.severity is Severity.ERROR for problem in listed)
    holds = f"{what}, " if what else ""
    out.write(f"{path}: {holds}{errors} errors, {len(listed) - errors} warnings\n")
    return status


def user_mistake(error: BaseException) -> str | None:
    """The line(s) to print for an error the user can fix, without the newline; None: a bug.

    Every such error exits with `ExitStatus.USAGE`.
    """
    if isinstance(error, SettingsErrors):
        return "\n".join(f"config error: {one}" for one in error.errors)
    if isinstance(error, SettingsError):
        return f"config error: {error}"
    if isinstance(error, UsageError):
        return str(error)
    if isinstance(error, ProblemsError):
        return _file_mistake(error)
    return None


def _file_mistake(error: ProblemsError) -> str:
    """One line for a file the config names that has errors, pointing at its check."""
    kind, group = next(
        (names for cls, names in CHECK_COMMANDS.items() if isinstance(error, cls)),
        ("file", ""),
    )
    first = (error.errors or error.problems)[0]
    if not first.line:  # about the whole file: it is missing or unreadable
        return f"{kind} {first.source} {first.message}"
    count = len(error.errors)
    more = f" (and {count - 1} more)" if count > 1 else ""
    check = f"; `wxbot {group} check {error.source}` lists all" if group else ""
    return f"{kind} {first}{more}{check}"
