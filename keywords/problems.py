"""What is wrong with a keyword table, precisely enough for ops to fix it in Excel.

A table's problems are `filecheck` problems like every hand-written file's:
`line` is the CSV line (or sheet row) where 1 is the header, `column` the column.
"""

from __future__ import annotations

from filecheck.problems import Problem, ProblemsError, Severity

__all__ = ["KeywordsError", "Problem", "Severity", "TableError"]


class KeywordsError(Exception):
    """Base of the errors the keywords package raises on purpose."""


class TableError(ProblemsError, KeywordsError):
    """A keyword table with errors; `problems` holds every finding, warnings included."""
