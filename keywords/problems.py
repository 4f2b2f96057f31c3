"""What is wrong with a keyword table, precisely enough for ops to fix it in Excel.

A table's problems are `filecheck` problems like every hand-written file's:
`line` is the CSV line (or sheet row) where 1 is the header, `column` the column.
"""

from __future__ import annotations

from filecheck.problems import Problem, ProblemsError, Severity
from filecheck.wording import Wording

__all__ = ["CellError", "KeywordsError", "Problem", "Severity", "TableError"]


class CellError(ValueError):
    """A cell that cannot be read, and why, for the row reader to pin to its cell."""

    def __init__(self, text: Wording) -> None:
        super().__init__(str(text))
        self.text = text


class KeywordsError(Exception):
    """Base of the errors the keywords package raises on purpose."""


class TableError(ProblemsError, KeywordsError):
    """A keyword table with errors; `problems` holds every finding, warnings included."""
