"""What a new version of a keyword table changes, cell by cell, for people to check
before they publish, and between published versions for the history page.

Rules are compared by name (`keywords.diff`); a changed rule lists each cell whose
text differs, as the table writes it, old beside new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from keywords.diff import TableDiff, diff_tables
from keywords.rules import Rule
from keywords.table_rows import COLUMNS, format_row


@dataclass(frozen=True)
class CellChange:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class RuleChange:
    """One rule added, removed or changed, with the cells that differ."""

    rule: str
    how: str  # "added", "removed" or "changed"
    cells: tuple[CellChange, ...]


def _cells(rule: Rule) -> dict[str, str]:
    return dict(zip(COLUMNS, format_row(rule), strict=True))


def table_changes(old: Sequence[Rule], new: Sequence[Rule]) -> tuple[TableDiff, list[RuleChange]]:
    """The diff by rule name, and every changed cell."""
    diff = diff_tables(old, new)
    before = {rule.name: rule for rule in old}
    after = {rule.name: rule for rule in new}
    changes: list[RuleChange] = []
    for name in diff.added:
        cells = _cells(after[name])
        changes.append(RuleChange(name, "added", tuple(
            CellChange(column, "", value) for column, value in cells.items()
            if value and column != "rule"
        )))  # fmt: skip
    for name in diff.changed:
        old_cells, new_cells = _cells(before[name]), _cells(after[name])
        changes.append(RuleChange(name, "changed", tuple(
            CellChange(column, old_cells[column], new_cells[column])
            for column in COLUMNS if old_cells[column] != new_cells[column]
        )))  # fmt: skip
    changes += [RuleChange(name, "removed", ()) for name in diff.removed]
    return diff, changes
