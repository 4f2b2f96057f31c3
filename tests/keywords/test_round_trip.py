"""Export then import gives the same rules, as CSV and as XLSX."""

from __future__ import annotations

from hypothesis import given, settings

from keywords.rules import Rule
from keywords.table_csv import format_table, parse_table
from keywords.table_xlsx import format_workbook, parse_workbook
from tests.keywords.strategies import tables


@given(tables())
def test_csv_round_trip(rules: list[Rule]) -> None:
    parsed = parse_table(format_table(rules), "t.csv")
    assert parsed.errors == ()
    assert list(parsed.rules) == rules


@settings(max_examples=40, deadline=None)
@given(tables())
def test_xlsx_round_trip(rules: list[Rule]) -> None:
    parsed = parse_workbook(format_workbook(rules), "t.xlsx")
    assert parsed.errors == ()
    assert list(parsed.rules) == rules
