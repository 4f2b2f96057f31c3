"""Keyword tables as Excel workbooks: the first sheet, same columns and checks as CSV.

A typed adapter over openpyxl: cells come out as strings so the CSV row reader applies,
and the problems' `line` is the spreadsheet row.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, time
from typing import Protocol

import openpyxl

from filecheck.wording import N_, Wording
from keywords.problems import Problem
from keywords.rules import Rule
from keywords.table_rows import COLUMNS, ParsedTable, Row, format_row, parse_rows

_NUMBER_COLUMNS = frozenset({"score", "priority"})


def _text(value: object) -> str:
    """A cell value as the text ops see (Excel turns typed numbers into floats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, time):
        return f"{value:%H:%M}"
    return str(value)


class _Sheet(Protocol):
    """The part of an openpyxl worksheet we read."""

    def iter_rows(self, *, values_only: bool) -> Iterable[Sequence[object]]: ...


def _rows(sheet: _Sheet) -> Iterator[Row]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, [_text(value) for value in values]


def parse_workbook(data: bytes, source: str) -> ParsedTable:
    """Parse an .xlsx file's bytes; its first sheet holds the table."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        return _unreadable(source, error)
    try:
        rows = list(_rows(workbook.worksheets[0]))
    except Exception as error:
        return _unreadable(source, error)
    finally:
        workbook.close()
    return parse_rows(rows, source)


def _unreadable(source: str, error: Exception) -> ParsedTable:
    # A damaged or forged file makes openpyxl, zipfile and ElementTree raise nearly
    # anything (BadZipFile, ParseError, EOFError, NotImplementedError, ValueError...,
    # found by tests/keywords/test_table_fuzz.py): every one is "not a workbook".
    reason = f"{type(error).__name__}: {error}"[:200]
    return ParsedTable(
        (),
        (),
        (
            Problem(
                source,
                1,
                "",
                Wording(N_("not a readable .xlsx workbook: %(error)s"), {"error": reason}),
            ),
        ),
    )


def format_workbook(rules: Sequence[Rule]) -> bytes:
    """An .xlsx file of `rules`, such that `parse_workbook` gives them back unchanged."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "rules"
    sheet.append(list(COLUMNS))
    for row, rule in enumerate(rules, start=2):
        for column, (name, value) in enumerate(zip(COLUMNS, format_row(rule), strict=True), 1):
            cell = sheet.cell(row=row, column=column)
            if name in _NUMBER_COLUMNS:
                cell.value = int(value)  # a number, so Excel does not flag "number as text"
            else:
                cell.value = value
                # openpyxl would store "=…" as a formula, which reads back empty.
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
