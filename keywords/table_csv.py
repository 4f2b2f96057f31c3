"""Keyword tables as CSV files (what Excel saves), and loading a table by its file type."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from filecheck.wording import N_, Wording
from keywords.problems import Problem, Severity, TableError
from keywords.rules import Rule
from keywords.table_rows import COLUMNS, ParsedTable, Row, format_row, parse_rows
from keywords.table_xlsx import format_workbook, parse_workbook

logger = logging.getLogger(__name__)

XLSX_SUFFIX = ".xlsx"


class _CsvRows:
    """CSV records with the physical line each starts on (quoted cells may span lines)."""

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(io.StringIO(text, newline=""))
        self.failure: csv.Error | None = None

    def __iter__(self) -> Iterator[Row]:
        while True:
            line = self._reader.line_num + 1
            try:
                record = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                self.failure = error
                return
            yield line, record

    @property
    def line(self) -> int:
        return self._reader.line_num


def parse_table(text: str, source: str) -> ParsedTable:
    """Parse CSV text (a leading BOM from Excel is fine) into rules and every problem."""
    rows = _CsvRows(text.removeprefix("\ufeff"))
    parsed = parse_rows(rows, source)
    if rows.failure is None:
        return parsed
    why = Wording(N_("CSV cannot be read past here: %(error)s"), {"error": str(rows.failure)})
    problem = Problem(source, rows.line, "", why)
    return ParsedTable(parsed.rules, parsed.lines, (*parsed.problems, problem))


def format_table(rules: Sequence[Rule]) -> str:
    """The CSV text of `rules`, such that `parse_table` gives them back unchanged."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(format_row(rule) for rule in rules)
    return buffer.getvalue()


def read_table(path: Path) -> ParsedTable:
    """Parse the CSV or XLSX (by suffix) file at `path`."""
    data = path.read_bytes()
    if path.suffix.casefold() == XLSX_SUFFIX:
        return parse_workbook(data, str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        why = Wording(
            N_("the file is not UTF-8; in Excel use Save As → 'CSV UTF-8 (Comma delimited)'")
        )
        return ParsedTable((), (), (Problem(str(path), line, "", why),))
    return parse_table(text, str(path))


def load_table(path: Path) -> list[Rule]:
    """The rules of the table at `path`; TableError listing every problem if it has errors.

    Warnings do not stop loading; they are logged.
    """
    parsed = read_table(path)
    if parsed.errors:
        raise TableError(str(path), parsed.problems)
    for problem in parsed.problems:
        if problem.severity is Severity.WARNING:
            logger.warning("keyword table: %s", problem)
    return list(parsed.rules)


def save_table(path: Path, rules: Sequence[Rule]) -> None:
    """Write `rules` as XLSX or as CSV with a BOM (without one, Excel misreads UTF-8)."""
    if path.suffix.casefold() == XLSX_SUFFIX:
        path.write_bytes(format_workbook(rules))
    else:
        path.write_text(format_table(rules), encoding="utf-8-sig", newline="")
