"""User mistakes on the command line: one line on stderr, exit status 2, no traceback.

A traceback is for a bug in wxbot. A missing file, a typo in the config or a bot
that is not running is the user's to fix, so it gets one line saying what and
where, and the exit status argparse uses for a bad command line.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from bot.errors import SettingsError, SettingsErrors, WxbotError
from keywords.problems import Severity, TableError
from tagging.rules_file import RulesError

USAGE_EXIT = 2


class UsageError(WxbotError):
    """A mistake the user can fix; its message is the one line they read."""


class CliParser(argparse.ArgumentParser):
    """argparse, but its errors are one line and a missing subcommand lists the choices."""

    def error(self, message: str) -> NoReturn:
        missing = message.removeprefix("the following arguments are required: ").split(", ")
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and action.dest in missing:
                message = "choose one of: " + ", ".join(action.choices)
        self.exit(USAGE_EXIT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (`--days -3` is a mistake)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def user_mistake(error: BaseException) -> str | None:
    """What to print for an error the user can fix (lines without the newline); None: a bug."""
    if isinstance(error, SettingsErrors):
        return "\n".join(f"config error: {one}" for one in error.errors)
    if isinstance(error, SettingsError):
        return f"config error: {error}"
    if isinstance(error, UsageError):
        return str(error)
    if isinstance(error, TableError):
        return _table_mistake(error)
    if isinstance(error, RulesError):
        return f"tagging rules {error}"
    return None


def _table_mistake(error: TableError) -> str:
    errors = [p for p in error.problems if p.severity is Severity.ERROR]
    first = errors[0] if errors else error.problems[0]
    if not first.line:  # about the whole file: it is missing or unreadable
        return f"keyword table {first.source} {first.message}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"keyword table {first}{more}; `wxbot keywords check {error.source}` lists all"
