"""The keyword table as an editable grid: rules → rows of cells → the CLI's parser.

The grid is checked by `parse_rows`, the same function behind CSV and XLSX, so a
cell shows exactly the message `wxbot keywords check` prints for it. Row i of the
grid is line i + 2 (line 1 is the header), as in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from keywords.problems import Problem, Severity
from keywords.rules import Rule
from keywords.table_rows import COLUMNS, HEADER_LINE, ParsedTable, format_row, parse_rows

FIRST_LINE = HEADER_LINE + 1
GRID_SOURCE = "grid"


@dataclass(frozen=True)
class Grid:
    """Rows of cells in `COLUMNS` order, and problems by (row index, column)."""

    rows: tuple[tuple[str, ...], ...]
    cell_problems: dict[tuple[int, str], list[Problem]] = field(default_factory=dict)
    table_problems: tuple[Problem, ...] = ()

    def problems_at(self, row: int, column: str) -> list[Problem]:
        return self.cell_problems.get((row, column), [])

    @property
    def has_errors(self) -> bool:
        every = [*self.table_problems, *(p for ps in self.cell_problems.values() for p in ps)]
        return any(problem.severity is Severity.ERROR for problem in every)


def grid_of_rules(rules: Sequence[Rule]) -> Grid:
    return Grid(tuple(tuple(format_row(rule)) for rule in rules))


def blank_row(**cells: str) -> tuple[str, ...]:
    return tuple(cells.get(column, "") for column in COLUMNS)


def parse_grid(rows: Sequence[Sequence[str]]) -> tuple[ParsedTable, Grid]:
    """Check the rows as the CLI checks a file, and pin each problem to its cell."""
    numbered = [(HEADER_LINE, list(COLUMNS))]
    numbered += [(FIRST_LINE + index, list(row)) for index, row in enumerate(rows)]
    parsed = parse_rows(numbered, GRID_SOURCE)
    by_cell: dict[tuple[int, str], list[Problem]] = {}
    loose: list[Problem] = []
    for problem in parsed.problems:
        index = problem.line - FIRST_LINE
        if 0 <= index < len(rows) and problem.column in COLUMNS:
            by_cell.setdefault((index, problem.column), []).append(problem)
        elif 0 <= index < len(rows):
            by_cell.setdefault((index, "rule"), []).append(problem)
        else:
            loose.append(problem)
    return parsed, Grid(tuple(tuple(row) for row in rows), by_cell, tuple(loose))


def rows_from_form(get: dict[str, str], count: int) -> list[tuple[str, ...]]:
    """Rows posted as `c-<row>-<column>` fields; rows left entirely blank are dropped,
    as the CSV reader drops Excel's blank rows."""
    rows = [
        tuple(get.get(f"c-{index}-{column}", "") for column in COLUMNS) for index in range(count)
    ]
    return [row for row in rows if any(cell.strip() for cell in row)]
