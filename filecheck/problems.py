"""What is wrong with a file a person wrote, precisely enough to fix it in one go.

Keyword tables, tagging rules, journeys and the config are all read the same way:
every problem is collected with its line, nothing stops at the first, and a
file with errors is refused with all of them (`ProblemsError`). `wxbot … check`
commands print the list; the admin site and the JSON API show the same problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from filecheck.wording import Wording


class Severity(StrEnum):
    ERROR = "error"  # the file is refused
    WARNING = "warning"  # the file loads, but probably not as its author meant


@dataclass(frozen=True)
class Problem:
    """One finding. `line` is 1-based (a table's header is line 1); 0: the whole file.

    `column` says where on the line: a table's column, or a TOML file's key
    (`journey 'price_nurture' step 2.wait`). `text` says what is wrong: a `Wording`
    where the admin site shows it in the reader's language, else English as is.
    """

    source: str
    line: int
    column: str
    text: str | Wording
    severity: Severity = Severity.ERROR

    @property
    def message(self) -> str:
        """What is wrong, in English (the CLI's words)."""
        return str(self.text)

    def __str__(self) -> str:
        place = f"{self.source}:{self.line}" if self.line else self.source
        where = f": {self.column}" if self.column else ""
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{place}{where}: {prefix}{self.message}"


class ProblemsError(Exception):
    """A file refused for its errors; `problems` holds every finding, warnings included.

    `line`, `where` and `reason` are the first error's, for a one-line summary.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        errors = self.errors
        first = errors[0] if errors else self.problems[0]
        self.line, self.where, self.reason = first.line, first.column, first.message
        super().__init__("\n".join(str(problem) for problem in errors))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """Errors first, then warnings, each in line order, one line each."""
    ordered = sorted(problems, key=lambda p: (p.severity is Severity.WARNING, p.line))
    return [str(problem) for problem in ordered]


def unreadable(error: OSError) -> str:
    """The reason a file could not be read, as a problem says it."""
    return f"cannot be read: {error.strerror or error}"
