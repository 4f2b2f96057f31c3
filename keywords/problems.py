"""What is wrong with a keyword table, precisely enough for ops to fix it in Excel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from keywords.wording import Wording


class Severity(StrEnum):
    ERROR = "error"  # the table is refused
    WARNING = "warning"  # the table loads, but probably not as ops meant


@dataclass(frozen=True)
class Problem:
    """One finding. `line` is the CSV line (or sheet row) where 1 is the header; `text`
    says what is wrong (English for the CLI, translated by the admin site)."""

    source: str
    line: int
    column: str
    text: Wording
    severity: Severity = Severity.ERROR

    @property
    def message(self) -> str:
        return str(self.text)

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.source}:{self.line}: {self.column}: {prefix}{self.message}"


class CellError(ValueError):
    """A cell that cannot be read, and why, for the row reader to pin to its cell."""

    def __init__(self, text: Wording) -> None:
        super().__init__(str(text))
        self.text = text


class KeywordsError(Exception):
    """Base of the errors the keywords package raises on purpose."""


class TableError(KeywordsError):
    """A keyword table with errors; `problems` holds every finding, warnings included."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        errors = [problem for problem in self.problems if problem.severity is Severity.ERROR]
        super().__init__("\n".join(str(problem) for problem in errors))
