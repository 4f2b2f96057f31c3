"""The keyword table as an editable grid: rules → rows of cells → the CLI's parser.

The grid is checked by `parse_rows`, the same function behind CSV and XLSX, so a
cell shows exactly the problem `wxbot keywords check` prints for it (in the
reader's language). Row i of the grid is line i + 2 (line 1 is the header), as in a
spreadsheet. Enum columns are dropdowns and `hours` two time pickers; the form
posts them back as the cells the table holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from keywords.cells import parse_bool
from keywords.hours import format_hours, parse_hours
from keywords.problems import CellError, Problem, Severity
from keywords.rules import MatchMode, ReplyMode, ReplyType, Rule, Trigger
from keywords.table_rows import COLUMNS, HEADER_LINE, ParsedTable, format_row, parse_rows

FIRST_LINE = HEADER_LINE + 1
GRID_SOURCE = "grid"
# The dropdowns: a column's values, in the order they are offered.
CHOICES: Mapping[str, tuple[str, ...]] = {
    "trigger": tuple(Trigger),
    "match": tuple(MatchMode),
    "reply_type": tuple(ReplyType),
    "reply_mode": tuple(ReplyMode),
    "enabled": ("true", "false"),
}
NEW_ROW = {"trigger": "text", "match": "contains", "reply_type": "text",
           "reply_mode": "random", "enabled": "true"}  # fmt: skip


@dataclass(frozen=True)
class Grid:
    """Rows of cells in `COLUMNS` order, and problems by (row index, column)."""

    rows: tuple[tuple[str, ...], ...]
    cell_problems: dict[tuple[int, str], list[Problem]] = field(default_factory=dict)
    table_problems: tuple[Problem, ...] = ()

    def problems_at(self, row: int, column: str) -> list[Problem]:
        return self.cell_problems.get((row, column), [])

    @property
    def problems(self) -> list[Problem]:
        return [*self.table_problems, *(p for ps in self.cell_problems.values() for p in ps)]

    @property
    def has_errors(self) -> bool:
        return any(problem.severity is Severity.ERROR for problem in self.problems)


def grid_of_rules(rules: Sequence[Rule]) -> Grid:
    return Grid(tuple(tuple(format_row(rule)) for rule in rules))


def blank_row(**cells: str) -> tuple[str, ...]:
    return tuple(cells.get(column, NEW_ROW.get(column, "")) for column in COLUMNS)


def choice(column: str, cell: str) -> str:
    """The dropdown value a cell shows as; a value the dropdown does not offer (from an
    uploaded file) stays as written, so its problem can be seen and fixed."""
    if column == "enabled":
        try:
            return "true" if parse_bool(cell) else "false"
        except CellError:
            return cell.strip()
    return cell.strip().casefold() or NEW_ROW[column]


def hours_parts(cell: str) -> tuple[str, str] | None:
    """A readable `hours` cell as (start, end) for the time pickers; None if blank or not
    readable (then the cell stays text, with its problem beside it)."""
    if not cell.strip():
        return ("", "")
    try:
        window = parse_hours(cell)
    except CellError:
        return None
    start, _, end = format_hours(window).partition("-")
    return start, end


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


def _cell(form: Mapping[str, str], index: int, column: str) -> str:
    if column == "hours" and f"c-{index}-hours-from" in form:
        start, end = form[f"c-{index}-hours-from"], form.get(f"c-{index}-hours-to", "")
        return f"{start}-{end}" if start or end else ""
    return form.get(f"c-{index}-{column}", "")


def rows_from_form(form: Mapping[str, str], count: int) -> list[tuple[str, ...]]:
    """Rows posted as `c-<row>-<column>` fields (`hours` as its two pickers); rows left
    blank in every typed cell are dropped, as the CSV reader drops Excel's blank rows.
    `count` is what the form claims: no more rows than it has fields are read."""
    count = min(count, len(form))
    rows = [tuple(_cell(form, index, column) for column in COLUMNS) for index in range(count)]
    typed = [column for column in COLUMNS if column not in CHOICES]
    return [row for row in rows if any(row[COLUMNS.index(column)].strip() for column in typed)]
