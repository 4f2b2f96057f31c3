"""The one small language of journey conditions, exits and campaign segments.

    tag:高意向 & !tag:已留资      score>=100 | grade:A      (lead:none | lead:new) & !replied

Terms: `tag:NAME`, `grade:NAME`, `lead:STATE` (`lead:none`, `lead:any`), `channel:NAME`
(the first or last channel, by key or name), `channel_group:GROUP` (its group, e.g.
`channel_group:线下活动`), `score>=N` (also >, <, <=), `phone`, `replied` (since the run
started), `unsubscribed`.
`!` binds tighter than `&`, which binds tighter than `|`; parentheses group.
Parsing is pure and total: bad input raises `ExpressionError` with the column.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from storage.profile_facts import ProfileFacts

_TOKEN = re.compile(r"\s*(?:(?P<op>[!&|()])|(?P<term>[^\s!&|()]+))")
_SCORE = re.compile(r"^score(>=|<=|>|<)(-?\d+)$")
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_PREFIXES = ("tag", "grade", "lead", "channel", "channel_group")
_WORDS = ("phone", "replied", "unsubscribed")


class ExpressionError(ValueError):
    def __init__(self, text: str, column: int, reason: str) -> None:
        self.column, self.reason = column, reason
        super().__init__(f"{reason} at column {column} of {text!r}")


@dataclass(frozen=True)
class Context:
    """What a term is checked against: the person's facts, and when their run started."""

    facts: ProfileFacts
    since: datetime | None = None


@dataclass(frozen=True)
class Term:
    text: str

    def holds(self, ctx: Context) -> bool:
        text, f = self.text, ctx.facts
        score = _SCORE.match(text)
        if score:
            return _COMPARE[score.group(1)](f.score, int(score.group(2)))
        kind, _, value = text.partition(":")
        replied = ctx.since is not None and (f.last_message_at or ctx.since) > ctx.since
        by_kind = {
            "tag": lambda: value in f.tags,
            "grade": lambda: f.lead_grade == value,
            "channel": lambda: f.came_through(value),
            "channel_group": lambda: value in f.channel_groups,
            "lead": lambda: (f.lead_id is None) if value == "none"
            else f.lead_id is not None and value in ("any", f.lead_state),
            "phone": lambda: f.has_phone,
            "unsubscribed": lambda: not f.subscribed,
            "replied": lambda: replied,
        }  # fmt: skip
        return bool(by_kind[kind]())


@dataclass(frozen=True)
class Not:
    inner: Expr

    def holds(self, ctx: Context) -> bool:
        return not self.inner.holds(ctx)


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Expr, ...]

    def holds(self, ctx: Context) -> bool:
        return all(part.holds(ctx) for part in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Expr, ...]

    def holds(self, ctx: Context) -> bool:
        return any(part.holds(ctx) for part in self.parts)

    def first_true(self, ctx: Context) -> Expr | None:
        return next((part for part in self.parts if part.holds(ctx)), None)


Expr = Term | Not | AllOf | AnyOf


def terms(expr: Expr) -> Iterator[Term]:
    """Every term of `expr`, left to right (to check the names it uses)."""
    if isinstance(expr, Term):
        yield expr
    elif isinstance(expr, Not):
        yield from terms(expr.inner)
    else:
        for part in expr.parts:
            yield from terms(part)


def _check_term(text: str, source: str, column: int) -> Term:
    kind, colon, value = text.partition(":")
    if _SCORE.match(text) or text in _WORDS or (colon and kind in _PREFIXES and value):
        return Term(text)
    raise ExpressionError(source, column, f"unknown term {text!r}")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, int]] = []
        position = 0
        while position < len(text):
            found = _TOKEN.match(text, position)
            if found is None or found.end() == position:
                break
            token = found.group("op") or found.group("term")
            if token is not None:
                self.tokens.append((token, found.start(found.lastgroup or 0) + 1))
            position = found.end()
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def column(self) -> int:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else len(self.text) + 1

    def take(self) -> str:
        token = self.tokens[self.index][0]
        self.index += 1
        return token

    def expression(self) -> Expr:
        parts = [self.conjunction()]
        while self.peek() == "|":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self) -> Expr:
        parts = [self.negation()]
        while self.peek() == "&":
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def negation(self) -> Expr:
        if self.peek() == "!":
            self.take()
            return Not(self.negation())
        return self.atom()

    def atom(self) -> Expr:
        token, column = self.peek(), self.column()
        if token is None:
            raise ExpressionError(self.text, column, "expected a term")
        if token == "(":  # noqa: S105 - a parenthesis, not a password
            self.take()
            inner = self.expression()
            if self.peek() != ")":
                raise ExpressionError(self.text, self.column(), "expected ')'")
            self.take()
            return inner
        if token in "&|)":  # noqa: S105
            raise ExpressionError(self.text, column, f"unexpected {token!r}")
        return _check_term(self.take(), self.text, column)


def parse_expression(text: str) -> Expr:
    """The expression `text` spells; `ExpressionError` when it spells none."""
    parser = _Parser(text)
    expr = parser.expression()
    if parser.peek() is not None:
        raise ExpressionError(text, parser.column(), f"unexpected {parser.peek()!r}")
    return expr


def describe(expr: Expr) -> str:
    """The expression written back, normalised (used as a reason: "exit: lead:any")."""
    if isinstance(expr, Term):
        return expr.text
    if isinstance(expr, Not):
        inner = describe(expr.inner)
        return f"!{inner}" if isinstance(expr.inner, Term | Not) else f"!({inner})"
    joiner = " & " if isinstance(expr, AllOf) else " | "
    return joiner.join(
        f"({describe(p)})"
        if isinstance(p, AllOf | AnyOf) and type(p) is not type(expr)
        else describe(p)
        for p in expr.parts
    )
