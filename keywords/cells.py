"""Parsers for single cells; each raises `CellError` (a ValueError) saying why, for ops."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TypeVar

import regex

from filecheck.wording import N_, Wording
from keywords.problems import CellError
from keywords.rules import Article

KEYWORD_SEPARATOR = "|"
REPLY_SEPARATOR = "||"
_TRUE = frozenset({"true", "1", "yes", "y", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "否"})
_ARTICLE_FIELDS = ("title", "description", "url", "picurl")

E = TypeVar("E", bound=StrEnum)


def parse_choice(kind: type[E], cell: str, default: E) -> E:
    """An enum value, case-insensitive; blank gives `default`."""
    text = cell.strip().casefold()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise CellError(
            Wording(
                N_("unknown value '%(value)s' (expected one of: %(allowed)s)"),
                {"value": cell.strip(), "allowed": allowed},
            )
        ) from None


def parse_int(cell: str) -> int:
    """A whole number; blank is 0."""
    text = cell.strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise CellError(Wording(N_("'%(value)s' is not a whole number"), {"value": text})) from None


def parse_bool(cell: str) -> bool:
    """true/false, 1/0, yes/no or 是/否; blank is true (a new row is meant to work)."""
    text = cell.strip().casefold()
    if not text or text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(
        Wording(
            N_("'%(value)s' is not one of true/false, 1/0, yes/no, 是/否"), {"value": cell.strip()}
        )
    )


def split_cell(cell: str, separator: str) -> tuple[str, ...]:
    """Split on `separator`; pieces are trimmed and blank pieces dropped (Excel stray spaces)."""
    pieces = (piece.strip() for piece in cell.split(separator))
    return tuple(piece for piece in pieces if piece)


def check_pattern(pattern: str) -> None:
    """Raise ValueError with the engine's error if `pattern` does not compile."""
    try:
        regex.compile(pattern)
    except regex.error as error:
        raise CellError(
            Wording(
                N_("regex '%(pattern)s' does not compile: %(error)s"),
                {"pattern": pattern, "error": str(error)},
            )
        ) from None


def parse_articles(cell: str) -> tuple[Article, ...]:
    """A news reply: a JSON list of {title, description, url, picurl} objects."""
    try:
        items: object = json.loads(cell)
    except json.JSONDecodeError as error:
        raise CellError(
            Wording(N_("news reply is not valid JSON: %(error)s"), {"error": str(error)})
        ) from None
    if not isinstance(items, list) or not items:
        raise CellError(Wording(N_("news reply must be a JSON list of articles")))
    return tuple(_article(number, item) for number, item in enumerate(items, start=1))


def _article(number: int, item: object) -> Article:
    if not isinstance(item, dict):
        raise CellError(Wording(N_("news article %(number)s is not an object"), {"number": number}))
    unknown = sorted(str(key) for key in item if key not in _ARTICLE_FIELDS)
    if unknown:
        raise CellError(
            Wording(
                N_("news article %(number)s has unknown fields: %(fields)s"),
                {"number": number, "fields": ", ".join(unknown)},
            )
        )
    fields: dict[str, str] = {}
    for key in _ARTICLE_FIELDS:
        value = item.get(key, "")
        if not isinstance(value, str):
            raise CellError(
                Wording(
                    N_("news article %(number)s: %(field)s must be text"),
                    {"number": number, "field": key},
                )
            )
        fields[key] = value
    if not fields["title"].strip():
        raise CellError(Wording(N_("news article %(number)s has no title"), {"number": number}))
    return Article(**fields)
