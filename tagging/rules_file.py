"""Reading `tagging.toml`: strict, typed, and every problem named with its line at once.

Read like every hand-written file (`filecheck.toml_table`): a rule that parses but
makes no sense (a missing tag, a negative window) is one problem among all the
others, each with its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from filecheck.problems import Problem, ProblemsError, unreadable
from filecheck.toml_table import TomlTable, read_toml
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

T = TypeVar("T")

# WeChat's own limit on an official-account tag name, which we mirror to.
TAG_NAME_MAX_BYTES = 30


class RulesError(ProblemsError):
    """A tagging rules file that cannot be used: every problem, each with its line and reason."""


def load_rules(path: Path) -> RuleSet:
    """Read and check a rules file (blocking: call it from a thread in the app)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(str(path), [Problem(str(path), 0, "", unreadable(exc))]) from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "tagging.toml") -> RuleSet:
    """Parse the rules in `text`; `source` names the file; `RulesError` lists every problem."""
    root = read_toml(text, source)
    rules = RuleSet(
        counters=tuple(_unique_names([_counter(t) for t in _rules(root, "counter")])),
        tiers=tuple(_unique_names([_tier(t) for t in _rules(root, "tier")])),
        touch=_touch(_section(root, "touch")),
        expiry=tuple(_expiry(t) for t in _rules(root, "expire")),
        contact=_contact(_section(root, "contact")),
        unsubscribe=_unsubscribe(_section(root, "unsubscribe")),
        sync=_sync(_section(root, "sync")),
        source=source,
    )
    root.raise_problems(RulesError)
    return rules


def _rules(root: TomlTable, kind: str) -> list[TomlTable]:
    return root.tables(kind, label=lambda index, item: _rule_where(kind, index, item))


def _section(root: TomlTable, name: str) -> TomlTable:
    table = root.table(name)
    table.label = f"[{name}]"
    return table


def _rule_where(kind: str, index: int, item: Mapping[str, object]) -> str:
    name = item.get("name") or item.get("tag")
    return f"[[{kind}]] #{index + 1}" + (f" ({name})" if isinstance(name, str) else "")


def _unique_names(rules: list[tuple[T, TomlTable]]) -> list[T]:
    seen: set[str] = set()
    for rule, table in rules:
        name = str(getattr(rule, "name", ""))
        if name in seen:
            table.problem("name", f"duplicate rule name {name!r}")
        seen.add(name)
    return [rule for rule, _ in rules]


def _tag(table: TomlTable, key: str, default: str | None = None) -> str:
    value = table.text(key, default).strip()
    if table.has(key) and not value:
        table.problem(key, "must be a non-empty tag name")
    elif len(value.encode()) > TAG_NAME_MAX_BYTES:
        table.problem(key, f"{value!r} is longer than WeChat's {TAG_NAME_MAX_BYTES} bytes")
    return value


def _optional_text(table: TomlTable, key: str, default: str | None) -> str | None:
    return table.text(key, default or "") or None


def _counter(t: TomlTable) -> tuple[CounterRule, TomlTable]:
    rule = CounterRule(
        name=t.text("name"),
        event=t.choice("event", EventKind),
        key=t.text("key", "").strip(),
        at_least=t.integer("at_least", 1, minimum=1),
        within_days=t.integer("within_days", None, minimum=1),
        tag=_tag(t, "tag"),
        category=t.choice("category", Category, Category.BEHAVIOR.value),
        expires_days=t.integer("expires_days", 0, minimum=0) or None,
        points=t.integer("points", 0, minimum=-10_000),
        line=t.line,
    )
    return rule, t


def _tier(t: TomlTable) -> tuple[TierRule, TomlTable]:
    levels = [
        Level(level.integer("at_least", minimum=-(10**9)), _tag(level, "tag"))
        for level in t.tables("levels", label=lambda index, _: f"{t.label}.levels[{index}]")
    ]
    if not levels and t.trusted("levels"):
        t.problem("levels", 'needs at least one level, e.g. [{ at_least = 100, tag = "高" }]')
    thresholds = [level.at_least for level in levels]
    if len(set(thresholds)) != len(thresholds):
        t.problem("levels", "two levels have the same threshold")
    rule = TierRule(
        name=t.text("name"),
        metric=t.choice("metric", Metric, Metric.POINTS.value),
        within_days=t.integer("within_days", None, minimum=1),
        levels=tuple(sorted(levels, key=lambda level: -level.at_least)),
        otherwise=t.optional("otherwise", lambda key: _tag(t, key)),
        category=t.choice("category", Category, Category.VALUE.value),
        line=t.line,
    )
    return rule, t


def _touch(t: TomlTable) -> TouchRule:
    names = t.value("names", dict, 'a table of channel = "display name"', {})
    if not all(isinstance(v, str) and v for v in names.values()):
        t.problem("names", "every channel needs a display name string")
    rule = TouchRule(
        first=_optional_text(t, "first", None),
        last=_optional_text(t, "last", None),
        names=tuple((str(k), str(v)) for k, v in names.items()),
    )
    for key, template in (("first", rule.first), ("last", rule.last)):
        if template is not None and "{channel}" not in template:
            t.problem(key, 'must contain {channel}, e.g. "首触渠道:{channel}"')
    return rule


def _expiry(t: TomlTable) -> ExpiryRule:
    return ExpiryRule(tag=_tag(t, "tag"), after_days=t.integer("after_days", None, 1), line=t.line)


def _contact(t: TomlTable) -> ContactRule:
    return ContactRule(
        phone_tag=_optional_text(t, "phone_tag", "留资"),
        phone_points=t.integer("phone_points", 0, minimum=0),
        wechat_id_tag=_optional_text(t, "wechat_id_tag", "留微信"),
        wechat_id_points=t.integer("wechat_id_points", 0, minimum=0),
    )


def _unsubscribe(t: TomlTable) -> UnsubscribeRule:
    return UnsubscribeRule(
        tag=_optional_text(t, "tag", "已取关"), points=t.integer("points", 0, minimum=-10_000)
    )


def _sync(t: TomlTable) -> SyncPolicy:
    exclude = t.texts("exclude")
    return SyncPolicy(
        official_account=t.flag("official_account", True),
        wecom=t.flag("wecom", True),
        exclude=exclude,
        wecom_group=t.text("wecom_group", "wxbot"),
    )
