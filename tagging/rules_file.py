"""Reading `tagging.toml`: strict, typed, and every error names its line and reason.

tomllib reports syntax errors with a position; for a rule that parses but
makes no sense (a missing tag, a negative window) the line is found again in
the text, from the rule's table header and the offending key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import TypeVar

from tagging.rules import (
    Category,
    ContactRule,
    CounterRule,
    EventKind,
    ExpiryRule,
    Level,
    Metric,
    RuleSet,
    SyncPolicy,
    TierRule,
    TouchRule,
    UnsubscribeRule,
)
from tagging.toml_lines import TomlLines

# WeChat's own limit on an official-account tag name, which we mirror to.
TAG_NAME_MAX_BYTES = 30
_SYNTAX_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_TOP_LEVEL = {"counter", "tier", "touch", "expire", "contact", "unsubscribe", "sync"}
T = TypeVar("T")


class RulesError(Exception):
    """A tagging rules file that cannot be used: where (file, line, rule) and why."""

    def __init__(self, source: str, line: int, where: str, reason: str) -> None:
        self.source, self.line, self.where, self.reason = source, line, where, reason
        place = f"{source}:{line}" if line else source
        super().__init__(f"{place}: {where}: {reason}" if where else f"{place}: {reason}")


class _Table:
    """One TOML table of the rules file, read strictly (unknown keys are errors)."""

    def __init__(
        self, data: Mapping[str, object], where: str, line: int, lines: TomlLines, source: str
    ) -> None:
        self.data, self.where, self.line, self._lines, self.source = (
            data,
            where,
            line,
            lines,
            source,
        )
        self._read: set[str] = set()

    def error(self, key: str, reason: str) -> RulesError:
        line = self._lines.key(self.line, key) if key else self.line
        return RulesError(self.source, line, f"{self.where}.{key}" if key else self.where, reason)

    def get(self, key: str, kind: type[T], default: T | None, what: str) -> T:
        self._read.add(key)
        if key not in self.data:
            if default is None:
                raise self.error(key, "is required")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"must be {what}, got {type(value).__name__}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        return self.get(key, str, default, "a string")

    def optional_text(self, key: str, default: str | None) -> str | None:
        value = self.text(key, default or "")
        return value or None

    def integer(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = self.get(key, int, default, "an integer")
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, got {value}")
        return value

    def tag(self, key: str, default: str | None = None) -> str:
        value = self.text(key, default).strip()
        if not value:
            raise self.error(key, "must be a non-empty tag name")
        if len(value.encode()) > TAG_NAME_MAX_BYTES:
            raise self.error(key, f"{value!r} is longer than WeChat's {TAG_NAME_MAX_BYTES} bytes")
        return value

    def choice(self, key: str, enum: Callable[[str], T], default: str | None) -> T:
        raw = self.text(key, default)
        try:
            return enum(raw)
        except ValueError:
            allowed = (
                f" (allowed: {', '.join(str(member.value) for member in enum)})"
                if isinstance(enum, type) and issubclass(enum, Enum)
                else ""
            )
            raise self.error(key, f"unknown value {raw!r}{allowed}") from None

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise self.error(unknown[0], "unknown key")


def load_rules(path: Path) -> RuleSet:
    """Read and check a rules file (blocking: call it from a thread in the app)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(str(path), 0, "", f"cannot be read: {exc.strerror}") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "tagging.toml") -> RuleSet:
    """Parse the rules in `text`; `source` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _SYNTAX_POSITION.search(str(exc))
        line = int(found.group(1)) if found else len(text.splitlines())
        reason = _SYNTAX_POSITION.sub("", str(exc)).replace("(at end of document)", "").strip()
        raise RulesError(source, line, "", f"{reason} (not valid TOML)") from None
    lines = TomlLines(text)
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        line = max(lines.header(unknown[0], None), lines.header(unknown[0], 0), 1)
        raise RulesError(source, line, unknown[0], "unknown section")

    def tables(name: str) -> list[_Table]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise RulesError(source, lines.header(name, None), name, "must be [[" + name + "]]")
        return [
            _Table(item, _rule_where(name, i, item), lines.header(name, i), lines, source)
            for i, item in enumerate(value)
        ]

    def table(name: str) -> _Table:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise RulesError(source, lines.header(name, 0), name, "must be a [" + name + "] table")
        return _Table(value, f"[{name}]", lines.header(name, None), lines, source)

    counters = _unique_names([_counter(t) for t in tables("counter")], tables("counter"))
    return RuleSet(
        counters=tuple(counters),
        tiers=tuple(_unique_names([_tier(t) for t in tables("tier")], tables("tier"))),
        touch=_touch(table("touch")),
        expiry=tuple(_expiry(t) for t in tables("expire")),
        contact=_contact(table("contact")),
        unsubscribe=_unsubscribe(table("unsubscribe")),
        sync=_sync(table("sync")),
        source=source,
    )


def _rule_where(kind: str, index: int, item: Mapping[str, object]) -> str:
    name = item.get("name") or item.get("tag")
    return f"[[{kind}]] #{index + 1}" + (f" ({name})" if isinstance(name, str) else "")


def _unique_names(rules: list[T], raw: list[_Table]) -> list[T]:
    seen: set[str] = set()
    for rule, table in zip(rules, raw, strict=True):
        name = str(getattr(rule, "name", ""))
        if name in seen:
            raise table.error("name", f"duplicate rule name {name!r}")
        seen.add(name)
    return rules


def _counter(t: _Table) -> CounterRule:
    rule = CounterRule(
        name=t.text("name"),
        event=t.choice("event", EventKind, None),
        key=t.text("key", "").strip(),
        at_least=t.integer("at_least", 1, minimum=1),
        within_days=t.integer("within_days", None, minimum=1),
        tag=t.tag("tag"),
        category=t.choice("category", Category, Category.BEHAVIOR.value),
        expires_days=t.integer("expires_days", 0, minimum=0) or None,
        points=t.integer("points", 0, minimum=-10_000),
        line=t.line,
    )
    t.finish()
    return rule


def _tier(t: _Table) -> TierRule:
    t.get("levels", list, None, "a list of {at_least, tag} tables")
    levels: list[Level] = []
    for item in t.data["levels"]:  # type: ignore[attr-defined]
        if not isinstance(item, dict) or set(item) != {"at_least", "tag"}:
            raise t.error("levels", 'each level must be { at_least = N, tag = "…" }')
        level = _Table(item, t.where + ".levels", t.line, t._lines, t.source)
        levels.append(Level(level.integer("at_least", None, minimum=-(10**9)), level.tag("tag")))
    if not levels:
        raise t.error("levels", "needs at least one level")
    thresholds = [level.at_least for level in levels]
    if len(set(thresholds)) != len(thresholds):
        raise t.error("levels", "two levels have the same threshold")
    rule = TierRule(
        name=t.text("name"),
        metric=t.choice("metric", Metric, Metric.POINTS.value),
        within_days=t.integer("within_days", None, minimum=1),
        levels=tuple(sorted(levels, key=lambda level: -level.at_least)),
        otherwise=t.tag("otherwise") if "otherwise" in t.data else None,
        category=t.choice("category", Category, Category.VALUE.value),
        line=t.line,
    )
    t.finish()
    return rule


def _touch(t: _Table) -> TouchRule:
    names = t.get("names", dict, {}, 'a table of channel = "display name"')
    if not all(isinstance(v, str) and v for v in names.values()):
        raise t.error("names", "every channel needs a display name string")
    rule = TouchRule(
        first=t.optional_text("first", None),
        last=t.optional_text("last", None),
        names=tuple((str(k), str(v)) for k, v in names.items()),
    )
    for key, template in (("first", rule.first), ("last", rule.last)):
        if template is not None and "{channel}" not in template:
            raise t.error(key, 'must contain {channel}, e.g. "首触渠道:{channel}"')
    t.finish()
    return rule


def _expiry(t: _Table) -> ExpiryRule:
    rule = ExpiryRule(tag=t.tag("tag"), after_days=t.integer("after_days", None, 1), line=t.line)
    t.finish()
    return rule


def _contact(t: _Table) -> ContactRule:
    rule = ContactRule(
        phone_tag=t.optional_text("phone_tag", "留资"),
        phone_points=t.integer("phone_points", 0, minimum=0),
        wechat_id_tag=t.optional_text("wechat_id_tag", "留微信"),
        wechat_id_points=t.integer("wechat_id_points", 0, minimum=0),
    )
    t.finish()
    return rule


def _unsubscribe(t: _Table) -> UnsubscribeRule:
    rule = UnsubscribeRule(
        tag=t.optional_text("tag", "已取关"), points=t.integer("points", 0, minimum=-10_000)
    )
    t.finish()
    return rule


def _sync(t: _Table) -> SyncPolicy:
    exclude = t.get("exclude", list, [], "a list of tag patterns")
    if not all(isinstance(item, str) for item in exclude):
        raise t.error("exclude", "must be a list of strings")
    policy = SyncPolicy(
        official_account=t.get("official_account", bool, True, "true or false"),
        wecom=t.get("wecom", bool, True, "true or false"),
        exclude=tuple(str(item) for item in exclude),
        wecom_group=t.text("wecom_group", "wxbot"),
    )
    t.finish()
    return policy
