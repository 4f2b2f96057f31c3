"""What is wrong with a keyword table, precisely enough for ops to fix it in Excel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # the table is refused
    WARNING = "warning"  # the table loads, but probably not as ops meant


@dataclass(frozen=True)
class Problem:
    """One finding. `line` is the CSV line (or sheet row) where 1 is the header."""

    source: str
    line: int
    column: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        place = f"{self.source}:{self.line}" if self.line else self.source  # 0: the whole file
        return f"{place}: {self.column}: {prefix}{self.message}"


class KeywordsError(Exception):
    """Base of the errors the keywords package raises on purpose."""


class TableError(KeywordsError):
    """A keyword table with errors; `problems` holds every finding, warnings included."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        errors = [problem for problem in self.problems if problem.severity is Severity.ERROR]
        super().__init__("\n".join(str(problem) for problem in errors))
