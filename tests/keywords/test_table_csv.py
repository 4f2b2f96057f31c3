"""Reading CSV tables: every problem with its line and column, and what is accepted."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from keywords.cells import parse_articles
from keywords.problems import Severity, TableError
from keywords.rules import Article, HoursWindow, MatchMode, ReplyMode, ReplyType, Rule, Trigger
from keywords.table_csv import load_table, parse_table

HEADER = "rule,trigger,match,keywords,reply_type,reply,reply_mode,tags,score,priority,enabled,hours"
OK_ROW = "price,,,价格,,我们的价格表,,询价,30,,,"


def errors_of(text: str) -> list[tuple[int, str, str]]:
    parsed = parse_table(text, "t.csv")
    return [(p.line, p.column, p.message) for p in parsed.problems if p.severity is Severity.ERROR]


def warnings_of(text: str) -> list[tuple[int, str, str]]:
    parsed = parse_table(text, "t.csv")
    return [
        (p.line, p.column, p.message) for p in parsed.problems if p.severity is Severity.WARNING
    ]


def test_a_valid_row_becomes_a_rule_with_defaults() -> None:
    parsed = parse_table(f"{HEADER}\n{OK_ROW}\n", "t.csv")
    assert parsed.problems == ()
    assert parsed.rules == (
        Rule(name="price", keywords=("价格",), replies=("我们的价格表",), tags=("询价",), score=30),
    )
    assert parsed.lines == (2,)


def test_only_rule_and_keywords_columns_are_needed() -> None:
    parsed = parse_table("keywords,rule,reply\n价格|多少钱,price,好的\n", "t.csv")
    assert parsed.problems == ()
    assert parsed.rules[0].keywords == ("价格", "多少钱")


def test_a_bom_from_excel_is_accepted() -> None:
    parsed = parse_table(f"\ufeff{HEADER}\n{OK_ROW}\n", "t.csv")
    assert parsed.problems == ()
    assert parsed.rules[0].name == "price"


@pytest.mark.parametrize(
    ("rows", "line", "column", "fragment"),
    [
        ([OK_ROW + ",x"], 2, "#13", "without a header"),
        (["price,clik,,价格,,hi,,,,,,"], 2, "trigger", "unknown value 'clik'"),
        (["price,,fuzzy,价格,,hi,,,,,,"], 2, "match", "unknown value 'fuzzy'"),
        (["price,,,价格,video,hi,,,,,,"], 2, "reply_type", "unknown value 'video'"),
        (["price,,,价格,,hi,every,,,,,"], 2, "reply_mode", "unknown value 'every'"),
        (["price,,regex,1[3-9,,hi,,,,,,"], 2, "keywords", "does not compile: unterminated"),
        (
            [OK_ROW, "price,,,多少钱,,hi,,,,,,"],
            3,
            "rule",
            "duplicate rule name 'price' (lines 2 and 3)",
        ),
        (["price,,,价格,,,,,,,,"], 2, "reply", "a text reply is empty"),
        (["price,,,价格,image,,,,,,,"], 2, "reply", "a image reply is empty"),
        (["price,,,,,hi,,,,,,"], 2, "keywords", "a text rule needs keywords"),
        (["menu,click,,,,hi,,,,,,"], 2, "keywords", "a click rule needs keywords"),
        (["price,,,😊,,hi,,,,,,"], 2, "keywords", "only emoji or spaces"),
        (["news,,,价格,news,{oops,,,,,,"], 2, "reply", "not valid JSON"),
        (['news,,,价格,news,"{""title"": ""x""}",,,,,,'], 2, "reply", "JSON list of articles"),
        (['news,,,价格,news,"[{""url"": ""u""}]",,,,,,'], 2, "reply", "article 1 has no title"),
        (
            ['news,,,价格,news,"[{""title"": ""t"", ""x"": 1}]",,,,,,'],
            2,
            "reply",
            "unknown fields: x",
        ),
        (["price,,,价格,,hi,,,,,,9-18"], 2, "hours", "not HH:MM-HH:MM"),
        (["price,,,价格,,hi,,,,,,25:00-06:00"], 2, "hours", "not a time of day"),
        (["price,,,价格,,hi,,,,,,09:00-09:00"], 2, "hours", "same time"),
        (["price,,,价格,,hi,,,thirty,,,"], 2, "score", "'thirty' is not a whole number"),
        (["price,,,价格,,hi,,,,1.5,,"], 2, "priority", "'1.5' is not a whole number"),
        (["price,,,价格,,hi,,,,,maybe,"], 2, "enabled", "'maybe' is not one of"),
        ([",,,价格,,hi,,,,,,"], 2, "rule", "the rule name is empty"),
        (["", "", OK_ROW, "x,,,价格,,hi,,,,,nah,"], 5, "enabled", "is not one of"),
    ],
)
def test_each_problem_names_its_line_and_column(
    rows: list[str], line: int, column: str, fragment: str
) -> None:
    found = errors_of("\n".join([HEADER, *rows]) + "\n")
    assert [(at, c) for at, c, m in found if fragment in m] == [(line, column)], found


@pytest.mark.parametrize(
    ("header", "column", "fragment"),
    [
        ("rule,keywords,reply,colour", "colour", "unknown column 'colour'"),
        ("keywords,reply", "rule", "missing required column 'rule'"),
        ("rule,reply", "keywords", "missing required column 'keywords'"),
        ("rule,keywords,reply,reply", "reply", "appears twice"),
    ],
)
def test_header_problems_are_on_line_1(header: str, column: str, fragment: str) -> None:
    found = errors_of(f"{header}\nprice,价格,hi\n")
    assert [(at, c) for at, c, m in found if fragment in m] == [(1, column)], found


def test_keywords_column_is_optional_when_no_rule_needs_it() -> None:
    assert errors_of("rule,trigger,reply\nwelcome,subscribe,欢迎\n") == []


def test_every_problem_is_reported_at_once() -> None:
    text = f"{HEADER}\nprice,clik,,价格,,hi,,,x,,,\nother,,,,,,,,,,,\n"
    assert [(at, c) for at, c, _ in errors_of(text)] == [
        (2, "trigger"),
        (2, "score"),
        (3, "keywords"),
        (3, "reply"),
    ]


def test_a_quoted_multiline_cell_keeps_physical_line_numbers() -> None:
    text = f'{HEADER}\nfirst,,,价格,,"line one\nline two",,,,,,\nsecond,,,x,,hi,,,oops,,,\n'
    assert [(at, c) for at, c, _ in errors_of(text)] == [(4, "score")]


@pytest.mark.parametrize(
    ("rows", "line", "fragment"),
    [
        (
            ["price,,contains,价格,,hi,,,,10,,", "sheet,,exact,价格表,,hi,,,,,,"],
            3,
            "keyword '价格表' can never fire: rule 'price' (line 2)",
        ),
        (
            ["price,,contains,价格,,hi,,,,,,", "sheet,,word,报价格,,hi,,,,,,"],
            3,
            "keyword '报价格' can never fire",
        ),
        (
            ["a,,exact,ＡＢＣ,,hi,,,,,,", "b,,exact,abc,,hi,,,,,,"],
            3,
            "keyword 'abc' can never fire",
        ),
        (
            ["hi,subscribe,,,,hi,,,,,,", "expo,subscribe,,spring_expo,,hi,,,,,,"],
            3,
            "blank keywords (any)",
        ),
        (["quiet,,,价格,none,,,,,,,"], 2, "does nothing"),
        (["fb,default,,价格,,hi,,,,,,"], 2, "keywords of a default rule are ignored"),
        (["w,,word,价 格,,hi,,,,,,"], 2, "jieba never keeps in one word"),
    ],
)
def test_warnings_name_their_line(rows: list[str], line: int, fragment: str) -> None:
    found = warnings_of("\n".join([HEADER, *rows]) + "\n")
    assert [at for at, _, m in found if fragment in m] == [line], found


@pytest.mark.parametrize(
    "rows",
    [
        # The contains rule is only open by day, the exact one all day.
        ["price,,contains,价格,,hi,,,,10,,09:00-18:00", "sheet,,exact,价格表,,hi,,,,,,"],
        # Different triggers never shadow each other.
        ["price,click,contains,价格,,hi,,,,10,,", "sheet,,exact,价格表,,hi,,,,,,"],
        # A disabled rule shadows nothing.
        ["price,,contains,价格,,hi,,,,10,false,", "sheet,,exact,价格表,,hi,,,,,,"],
        # The lower rule wins by priority.
        ["price,,contains,价格,,hi,,,,,,", "sheet,,exact,价格表,,hi,,,,1,,"],
    ],
)
def test_keywords_that_can_still_fire_are_not_shadowed(rows: list[str]) -> None:
    assert warnings_of("\n".join([HEADER, *rows]) + "\n") == []


def test_a_night_window_inside_a_wider_one_is_shadowed() -> None:
    rows = ["a,,contains,价格,,hi,,,,1,,20:00-08:00", "b,,contains,价格表,,hi,,,,,,23:00-01:00"]
    assert [at for at, _, _ in warnings_of("\n".join([HEADER, *rows]) + "\n")] == [3]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("", True), ("true", True), ("1", True), ("YES", True), ("是", True),
     ("false", False), ("0", False), ("no", False), ("否", False)],
)  # fmt: skip
def test_enabled_accepts_common_spellings(cell: str, expected: bool) -> None:
    parsed = parse_table(f"rule,keywords,reply,enabled\nprice,价格,hi,{cell}\n", "t.csv")
    assert parsed.rules[0].enabled is expected


def test_every_column_is_read() -> None:
    row = "drive,text,word,试驾| 预约 ,text,a|| b ||c,all,试驾意向|高意向,60,-2,否,22:00-06:00"
    assert parse_table(f"{HEADER}\n{row}\n", "t.csv").rules == (
        Rule(
            name="drive",
            keywords=("试驾", "预约"),
            replies=("a", "b", "c"),
            trigger=Trigger.TEXT,
            match=MatchMode.WORD,
            reply_type=ReplyType.TEXT,
            reply_mode=ReplyMode.ALL,
            tags=("试驾意向", "高意向"),
            score=60,
            priority=-2,
            enabled=False,
            hours=HoursWindow(time(22), time(6)),
        ),
    )


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [("", MatchMode.CONTAINS), ("click", MatchMode.EXACT), ("subscribe", MatchMode.EXACT),
     ("scan", MatchMode.EXACT)],
)  # fmt: skip
def test_a_blank_match_depends_on_the_trigger(trigger: str, expected: MatchMode) -> None:
    parsed = parse_table(f"rule,trigger,keywords,reply\nr,{trigger},K,hi\n", "t.csv")
    assert parsed.rules[0].match is expected


def test_a_regex_cell_is_one_pattern_with_its_own_alternation() -> None:
    parsed = parse_table("rule,match,keywords,reply\nr,regex,(价格|报价)表,hi\n", "t.csv")
    assert parsed.problems == ()
    assert parsed.rules[0].keywords == ("(价格|报价)表",)


def test_a_news_reply_holds_articles() -> None:
    cell = '"[{""title"": ""春季车展"", ""url"": ""https://e.com""}]"'
    parsed = parse_table(f"rule,keywords,reply_type,reply\nr,车展,news,{cell}\n", "t.csv")
    assert parsed.problems == ()
    assert parse_articles(parsed.rules[0].replies[0]) == (
        Article(title="春季车展", url="https://e.com"),
    )


def test_load_table_returns_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(f"{HEADER}\n{OK_ROW}\n", encoding="utf-8-sig")
    assert [rule.name for rule in load_table(path)] == ["price"]


def test_load_table_error_lists_every_problem_as_file_line_column(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text(f"{HEADER}\nprice,clik,,价格,,hi,,,x,,,\n", encoding="utf-8")
    with pytest.raises(TableError) as raised:
        load_table(path)
    assert str(raised.value).splitlines() == [
        f"{path}:2: trigger: unknown value 'clik' (expected one of: text, click, subscribe, scan,"
        " default)",
        f"{path}:2: score: 'x' is not a whole number",
    ]


def test_load_table_refuses_a_gbk_file_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_bytes(f"{HEADER}\n{OK_ROW}\n".encode("gbk"))
    with pytest.raises(TableError, match="CSV UTF-8") as raised:
        load_table(path)
    assert raised.value.problems[0].line == 2
