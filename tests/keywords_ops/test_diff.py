"""Diff summaries of a new table version against the live one."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from keywords.diff import diff_tables
from keywords.rules import Rule
from tests.keywords.strategies import tables


def test_names_added_removed_and_changed_rules() -> None:
    old = [Rule("a", ("x",), ("1",)), Rule("b", ("y",), ("2",)), Rule("c", ("z",), ("3",))]
    new = [Rule("a", ("x",), ("1",)), Rule("c", ("z",), ("3!",)), Rule("d", ("w",), ("4",))]
    diff = diff_tables(old, new)
    assert (diff.added, diff.removed, diff.changed) == (("d",), ("b",), ("c",))
    assert diff.summary() == "1 added (d), 1 removed (b), 1 changed (c)"


def test_row_order_alone_is_a_change() -> None:
    rules = [Rule("a", ("x",), ("1",)), Rule("b", ("x",), ("2",))]
    diff = diff_tables(rules, rules[::-1])
    assert diff.reordered
    assert diff.summary() == "row order changed"


def test_long_lists_are_shortened() -> None:
    new = [Rule(f"r{i}", ("x",), ("1",)) for i in range(8)]
    assert diff_tables([], new).summary() == "8 added (r0, r1, r2, r3, r4, +3 more)"


@given(tables())
def test_a_table_against_itself_has_no_changes(rules: list[Rule]) -> None:
    assert diff_tables(rules, list(rules)).unchanged
    assert diff_tables(rules, list(rules)).summary() == "no changes"


@given(tables(), st.data())
def test_every_rule_is_accounted_for(rules: list[Rule], data: st.DataObject) -> None:
    kept = data.draw(st.lists(st.sampled_from(rules), unique=True)) if rules else []
    changed = {rule.name for rule in kept[: len(kept) // 2]}
    new = [replace(r, priority=r.priority + 1) if r.name in changed else r for r in kept]
    new.append(Rule("__new__", ("k",), ("r",)))
    diff = diff_tables(rules, new)
    assert set(diff.changed) == changed
    assert diff.added == ("__new__",)
    assert set(diff.removed) == {r.name for r in rules} - {r.name for r in kept}
