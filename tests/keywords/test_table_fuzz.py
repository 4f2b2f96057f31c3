"""Keyword tables fuzzed: any CSV text or XLSX bytes give rules and problems, never an exception."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from keywords.table_csv import parse_table
from keywords.table_rows import COLUMNS
from keywords.table_xlsx import parse_workbook

# Cells near what the loader checks: choices, numbers, regexes, hours, article syntax.
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "text", "click", "subscribe", "scan", "default", "contains", "exact", "word",
            "regex", "all", "random", "news", "image", "true", "no", "09:00-18:00",
            "25:00-99:99", "(", "[a-", "a{99999}", "标题|描述|https://x|https://p", "=1+1",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)  # fmt: skip
ROWS = st.lists(st.lists(CELLS, max_size=len(COLUMNS) + 2), max_size=8)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


HEADERS = st.one_of(
    st.just(list(COLUMNS)),
    st.permutations(list(COLUMNS)),
    st.lists(st.sampled_from([*COLUMNS, "extra", ""]), max_size=len(COLUMNS) + 2),
)


@settings(max_examples=300, deadline=None)
@given(HEADERS, ROWS)
def test_any_csv_table_gives_rules_and_problems(header: list[str], rows: list[list[str]]) -> None:
    started = time.perf_counter()
    parsed = parse_table(_csv(header, rows), "t.csv")
    assert len(parsed.rules) <= len(rows)
    assert time.perf_counter() - started < 2.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_gives_rules_and_problems(text: str) -> None:
    parse_table(text, "t.csv")


def _workbook(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        # Control characters cannot be written to a sheet: Excel would never produce them.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_CELLS = st.one_of(
    CELLS,
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.datetimes(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HEADERS, st.lists(st.lists(XLSX_CELLS, max_size=len(COLUMNS) + 2), max_size=6))
def test_any_workbook_gives_rules_and_problems(header: list[str], rows: list[list[object]]) -> None:
    started = time.perf_counter()
    parsed = parse_workbook(_workbook(header, rows), "t.xlsx")
    assert len(parsed.rules) <= len(rows)
    assert time.perf_counter() - started < 2.0


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.dictionaries(
            st.sampled_from(
                ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "x"]
            ),
            st.binary(max_size=200),
            max_size=3,
        ).map(_zip),
    )
)
def test_any_bytes_are_a_workbook_or_one_problem(data: bytes) -> None:
    parsed = parse_workbook(data, "t.xlsx")
    assert parsed.rules == () or parsed.problems == ()
