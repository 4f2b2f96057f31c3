"""Rows of cells ↔ rules: the part of reading and writing a table that CSV and XLSX share.

A row becomes a `Rule` only when none of its cells has an error; every problem of
every row is collected so ops can fix the whole sheet in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from filecheck.wording import N_, Wording
from keywords import cells
from keywords.checks import check_table
from keywords.hours import format_hours, parse_hours
from keywords.normalize import normalize
from keywords.problems import CellError, Problem, Severity
from keywords.rules import MatchMode, ReplyMode, ReplyType, Rule, Trigger, default_match
from keywords.segmenter import can_be_word

COLUMNS = (
    "rule", "trigger", "match", "keywords", "reply_type", "reply",
    "reply_mode", "tags", "score", "priority", "enabled", "hours",
)  # fmt: skip
HEADER_LINE = 1
Row = tuple[int, Sequence[str]]  # (CSV line or sheet row, cells as text)
T = TypeVar("T")


@dataclass(frozen=True)
class ParsedTable:
    """The valid rules of a table, the line each came from, and every problem found."""

    rules: tuple[Rule, ...]
    lines: tuple[int, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


class _Findings:
    """The problems of one table, with the source filled in."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.error_count = 0

    def error(self, line: int, column: str, text: Wording) -> None:
        self.error_count += 1
        self.problems.append(Problem(self.source, line, column, text))

    def warn(self, line: int, column: str, text: Wording) -> None:
        self.problems.append(Problem(self.source, line, column, text, Severity.WARNING))


def parse_rows(rows: Iterable[Row], source: str) -> ParsedTable:
    """Turn a header row and data rows (as strings) into rules and problems."""
    findings = _Findings(source)
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        findings.error(HEADER_LINE, "rule", Wording(N_("the table is empty: no header row")))
        return ParsedTable((), (), tuple(findings.problems))
    header = _read_header(first[1], findings)
    rules: list[Rule] = []
    lines: list[int] = []
    named: list[tuple[int, str]] = []
    keywords_needed = False
    for line, row in iterator:
        if not any(cell.strip() for cell in row):
            continue  # Excel leaves blank rows behind
        values = _row_values(line, row, header, findings)
        errors_before = findings.error_count
        rule = _RowReader(line, values, findings).rule()
        if values.get("rule", "").strip():
            named.append((line, values["rule"].strip()))
        trigger = values.get("trigger", "").strip().casefold() or Trigger.TEXT.value
        keywords_needed = keywords_needed or trigger in (Trigger.TEXT.value, Trigger.CLICK.value)
        if findings.error_count == errors_before:
            rules.append(rule)
            lines.append(line)
    if "keywords" not in header and keywords_needed:
        findings.error(
            HEADER_LINE,
            "keywords",
            Wording(N_("missing required column '%(column)s'"), {"column": "keywords"}),
        )
    findings.problems.extend(check_table(rules, lines, named, source))
    return ParsedTable(tuple(rules), tuple(lines), tuple(findings.problems))


def _read_header(row: Sequence[str], findings: _Findings) -> list[str]:
    """Column names by position ("" for a blank header cell)."""
    header = [cell.strip().removeprefix("\ufeff").strip().casefold() for cell in row]
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name not in COLUMNS:
            known = ", ".join(COLUMNS)
            findings.error(
                HEADER_LINE,
                name,
                Wording(
                    N_("unknown column '%(column)s' (known: %(known)s)"),
                    {"column": name, "known": known},
                ),
            )
        elif name in seen:
            findings.error(
                HEADER_LINE,
                name,
                Wording(N_("column '%(column)s' appears twice"), {"column": name}),
            )
        seen.add(name)
    if "rule" not in seen:
        findings.error(
            HEADER_LINE,
            "rule",
            Wording(N_("missing required column '%(column)s'"), {"column": "rule"}),
        )
    return header


def _row_values(
    line: int, row: Sequence[str], header: Sequence[str], findings: _Findings
) -> dict[str, str]:
    values: dict[str, str] = {}
    for position, cell in enumerate(row):
        name = header[position] if position < len(header) else ""
        if name in COLUMNS:
            values.setdefault(name, cell)
        elif not name and cell.strip():
            findings.error(
                line, f"#{position + 1}", Wording(N_("a value in a column without a header"))
            )
    return values


class _RowReader:
    """Reads one row's cells into a Rule, reporting each bad cell."""

    def __init__(self, line: int, values: Mapping[str, str], findings: _Findings) -> None:
        self.line = line
        self.values = values
        self.findings = findings

    def cell(self, column: str, parse: Callable[[str], T], default: T) -> T:
        try:
            return parse(self.values.get(column, ""))
        except CellError as error:
            self.findings.error(self.line, column, error.text)
            return default

    def verify(self, column: str, check: Callable[[], object]) -> None:
        try:
            check()
        except CellError as error:
            self.findings.error(self.line, column, error.text)

    def rule(self) -> Rule:
        name = self.values.get("rule", "").strip()
        if not name:
            self.findings.error(self.line, "rule", Wording(N_("the rule name is empty")))
        trigger = self.cell(
            "trigger", lambda c: cells.parse_choice(Trigger, c, Trigger.TEXT), Trigger.TEXT
        )
        match = self.cell(
            "match",
            lambda c: cells.parse_choice(MatchMode, c, default_match(trigger)),
            MatchMode.CONTAINS,
        )
        reply_type = self.cell(
            "reply_type", lambda c: cells.parse_choice(ReplyType, c, ReplyType.TEXT), ReplyType.TEXT
        )
        rule = Rule(
            name=name,
            keywords=self._keywords(trigger, match),
            replies=self._replies(reply_type),
            trigger=trigger,
            match=match,
            reply_type=reply_type,
            reply_mode=self.cell(
                "reply_mode",
                lambda c: cells.parse_choice(ReplyMode, c, ReplyMode.RANDOM),
                ReplyMode.RANDOM,
            ),
            tags=cells.split_cell(self.values.get("tags", ""), cells.KEYWORD_SEPARATOR),
            score=self.cell("score", cells.parse_int, 0),
            priority=self.cell("priority", cells.parse_int, 0),
            enabled=self.cell("enabled", cells.parse_bool, True),
            hours=self.cell("hours", lambda c: parse_hours(c) if c.strip() else None, None),
        )
        if rule.reply_type is ReplyType.NONE and not rule.tags and not rule.score:
            self.findings.warn(
                self.line,
                "reply_type",
                Wording(N_("reply_type none without tags or score does nothing")),
            )
        return rule

    def _keywords(self, trigger: Trigger, match: MatchMode) -> tuple[str, ...]:
        cell = self.values.get("keywords", "")
        if match is MatchMode.REGEX:
            # The whole cell is one pattern: its `|` is the regex's own alternation.
            keywords: tuple[str, ...] = (cell.strip(),) if cell.strip() else ()
            for pattern in keywords:
                self.verify("keywords", partial(cells.check_pattern, pattern))
        else:
            keywords = cells.split_cell(cell, cells.KEYWORD_SEPARATOR)
            self._check_keywords(keywords, match)
        if not keywords and trigger.needs_keywords:
            self.findings.error(
                self.line,
                "keywords",
                Wording(N_("a %(trigger)s rule needs keywords"), {"trigger": trigger}),
            )
        if keywords and trigger is Trigger.DEFAULT:
            self.findings.warn(
                self.line, "keywords", Wording(N_("keywords of a default rule are ignored"))
            )
        return keywords

    def _check_keywords(self, keywords: Iterable[str], match: MatchMode) -> None:
        for keyword in keywords:
            normal = normalize(keyword)
            if not normal:
                self.findings.error(
                    self.line,
                    "keywords",
                    Wording(
                        N_("keyword '%(keyword)s' is only emoji or spaces"), {"keyword": keyword}
                    ),
                )
            elif match is MatchMode.WORD and not can_be_word(normal):
                self.findings.warn(
                    self.line,
                    "keywords",
                    Wording(
                        N_(
                            "word keyword '%(keyword)s' mixes characters jieba never keeps in"
                            " one word; use match contains"
                        ),
                        {"keyword": keyword},
                    ),
                )

    def _replies(self, reply_type: ReplyType) -> tuple[str, ...]:
        replies = cells.split_cell(self.values.get("reply", ""), cells.REPLY_SEPARATOR)
        if not replies and reply_type is not ReplyType.NONE:
            self.findings.error(
                self.line,
                "reply",
                Wording(N_("a %(reply_type)s reply is empty"), {"reply_type": reply_type}),
            )
        if reply_type is ReplyType.NEWS:
            for variant in replies:
                self.verify("reply", partial(cells.parse_articles, variant))
        return replies


def format_row(rule: Rule) -> list[str]:
    """The cells of `rule` in `COLUMNS` order; ValueError if a cell could not be read back."""
    if rule.match is MatchMode.REGEX:
        _require(len(rule.keywords) <= 1, rule, "a regex rule has a single pattern")
        _require_pieces(rule, "keywords", rule.keywords, None)
    else:
        _require_pieces(rule, "keywords", rule.keywords, cells.KEYWORD_SEPARATOR)
    _require_pieces(rule, "tags", rule.tags, cells.KEYWORD_SEPARATOR)
    _require_pieces(rule, "reply", rule.replies, cells.REPLY_SEPARATOR)
    for reply in rule.replies:
        _require(not reply.startswith("|") and not reply.endswith("|"), rule, "a reply edge is |")
    _require(bool(rule.name) and rule.name == rule.name.strip(), rule, "a blank or padded name")
    return [
        rule.name,
        rule.trigger.value,
        rule.match.value,
        cells.KEYWORD_SEPARATOR.join(rule.keywords),
        rule.reply_type.value,
        cells.REPLY_SEPARATOR.join(rule.replies),
        rule.reply_mode.value,
        cells.KEYWORD_SEPARATOR.join(rule.tags),
        str(rule.score),
        str(rule.priority),
        "true" if rule.enabled else "false",
        format_hours(rule.hours) if rule.hours else "",
    ]


def _require(condition: bool, rule: Rule, reason: str) -> None:
    if not condition:
        raise ValueError(f"rule {rule.name!r} cannot be written to a table: {reason}")


def _require_pieces(rule: Rule, column: str, pieces: Iterable[str], separator: str | None) -> None:
    for piece in pieces:
        _require(
            bool(piece)
            and piece == piece.strip()
            and (separator is None or separator not in piece),
            rule,
            f"{column} item {piece!r} is blank, padded or contains {separator!r}",
        )
