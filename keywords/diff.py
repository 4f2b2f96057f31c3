"""What a new version of a table changes, by rule name, for the publish history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from keywords.rules import Rule


@dataclass(frozen=True)
class TableDiff:
    """Rule names added, removed and changed (any cell differs); `reordered`: same rules,
    new row order (row order breaks priority ties, so it matters)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    reordered: bool = False

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered)

    def summary(self) -> str:
        """One line for ops, e.g. "2 added (a, b), 1 changed (c)"."""
        parts = [
            _part(label, names)
            for label, names in (
                ("added", self.added),
                ("removed", self.removed),
                ("changed", self.changed),
            )
            if names
        ]
        if self.reordered:
            parts.append("row order changed")
        return ", ".join(parts) or "no changes"


_LISTED_NAMES = 5  # more than this and the summary gets hard to read in a history list


def _part(label: str, names: Sequence[str]) -> str:
    shown = ", ".join(names[:_LISTED_NAMES])
    more = f", +{len(names) - _LISTED_NAMES} more" if len(names) > _LISTED_NAMES else ""
    return f"{len(names)} {label} ({shown}{more})"


def diff_tables(old: Sequence[Rule], new: Sequence[Rule]) -> TableDiff:
    """Compare two tables by rule name (names are unique in a valid table)."""
    before = {rule.name: rule for rule in old}
    after = {rule.name: rule for rule in new}
    added = tuple(rule.name for rule in new if rule.name not in before)
    removed = tuple(rule.name for rule in old if rule.name not in after)
    changed = tuple(rule.name for rule in new if rule.name in before and before[rule.name] != rule)
    kept_before = [rule.name for rule in old if rule.name in after]
    kept_after = [rule.name for rule in new if rule.name in before]
    return TableDiff(added, removed, changed, reordered=kept_before != kept_after)
