"""Reading Excel workbooks: same columns and checks, lines are sheet rows."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from keywords.problems import TableError
from keywords.rules import Rule
from keywords.table_csv import load_table, save_table
from keywords.table_xlsx import parse_workbook


def workbook(*rows: list[object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_typed_cells_read_as_ops_see_them() -> None:
    data = workbook(
        ["rule", "keywords", "reply", "score", "priority", "enabled"],
        ["price", "价格", "hi", 30, 2.0, True],
    )
    parsed = parse_workbook(data, "t.xlsx")
    assert parsed.problems == ()
    assert parsed.rules == (Rule("price", ("价格",), ("hi",), score=30, priority=2, enabled=True),)


def test_problems_carry_the_sheet_row() -> None:
    data = workbook(["rule", "keywords", "reply", "score"], [], ["a", "价格", "hi", "x"])
    parsed = parse_workbook(data, "t.xlsx")
    assert [(p.line, p.column) for p in parsed.errors] == [(3, "score")]


def test_a_file_that_is_not_a_workbook_is_one_problem() -> None:
    parsed = parse_workbook(b"rule,keywords\n", "t.xlsx")
    assert [(p.line, p.column) for p in parsed.errors] == [(1, "")]


def test_save_and_load_by_suffix(tmp_path: Path) -> None:
    rules = [Rule("price", ("价格",), ("=1+1 不是公式",))]
    for name in ("k.xlsx", "k.csv"):
        save_table(tmp_path / name, rules)
        assert load_table(tmp_path / name) == rules


def test_load_table_raises_for_a_bad_workbook(tmp_path: Path) -> None:
    path = tmp_path / "k.xlsx"
    path.write_bytes(workbook(["rule", "colour"], ["a", "red"]))
    with pytest.raises(TableError, match=r"k\.xlsx:1: colour: unknown column"):
        load_table(path)


def test_saved_csv_starts_with_a_bom_for_excel(tmp_path: Path) -> None:
    save_table(tmp_path / "k.csv", [Rule("price", ("价格",), ("hi",))])
    assert (tmp_path / "k.csv").read_bytes().startswith(b"\xef\xbb\xbf")
