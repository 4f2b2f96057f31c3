"""The tagging rules ops write in `tagging.toml`, as typed values, and the index that matches them.

Rule kinds follow the tag kinds CDPs use (domain.md S8/S9):
counters over a window ("clicked MENU_PRICE ≥ 3 times in 7 days"), tiers on a
metric ("points in 30 days ≥ 100 → 高价值"), first/last occurrence (first- and
last-touch channel as attribute tags) and expiry of behaviour tags.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from keywords.automaton import WordAutomaton


class Category(StrEnum):
    ATTRIBUTE = "attribute"
    BEHAVIOR = "behavior"
    VALUE = "value"


class EventKind(StrEnum):
    """What a counter counts: a menu click, a text message, a follow or a QR scan."""

    CLICK = "click"
    TEXT = "text"
    SUBSCRIBE = "subscribe"
    SCAN = "scan"


class Metric(StrEnum):
    POINTS = "points"  # lead points earned in the window
    MESSAGES = "messages"  # messages and events received in the window


@dataclass(frozen=True)
class CounterRule:
    """`tag` once the follower did `event` (with `key`, if set) `at_least` times in the window."""

    name: str
    event: EventKind
    key: str  # EventKey, QR scene, or a word in the text; "" means any
    at_least: int
    within_days: int
    tag: str
    category: Category = Category.BEHAVIOR
    expires_days: int | None = None
    points: int = 0
    line: int = 0


@dataclass(frozen=True)
class Level:
    at_least: int
    tag: str


@dataclass(frozen=True)
class TierRule:
    """Exactly one tag of a ladder: the first level whose threshold the metric reaches."""

    name: str
    metric: Metric
    within_days: int
    levels: tuple[Level, ...]  # highest threshold first
    otherwise: str | None
    category: Category = Category.VALUE
    line: int = 0

    def tag_for(self, value: int) -> str | None:
        return next((lvl.tag for lvl in self.levels if value >= lvl.at_least), self.otherwise)

    @property
    def tags(self) -> frozenset[str]:
        names = {level.tag for level in self.levels}
        return frozenset(names | ({self.otherwise} if self.otherwise else set()))


@dataclass(frozen=True)
class TouchRule:
    """First- and last-touch channel as attribute tags, e.g. `首触渠道:{channel}`."""

    first: str | None = None
    last: str | None = None
    names: tuple[tuple[str, str], ...] = ()  # channel → display name

    def tag(self, template: str | None, channel: str | None) -> str | None:
        if template is None or not channel:
            return None
        return template.replace("{channel}", dict(self.names).get(channel, channel))


@dataclass(frozen=True)
class ExpiryRule:
    """Tags with this name (from any source) disappear `after_days` after they were given."""

    tag: str
    after_days: int
    line: int = 0


@dataclass(frozen=True)
class ContactRule:
    """What leaving a phone number or a WeChat ID in a message gives."""

    phone_tag: str | None = "留资"
    phone_points: int = 0
    wechat_id_tag: str | None = "留微信"
    wechat_id_points: int = 0


@dataclass(frozen=True)
class UnsubscribeRule:
    tag: str | None = "已取关"
    points: int = 0


@dataclass(frozen=True)
class SyncPolicy:
    """Which tags are mirrored to the official accounts and to WeCom."""

    official_account: bool = True
    wecom: bool = True
    exclude: tuple[str, ...] = ()  # shell-style patterns: "末触渠道:*"
    wecom_group: str = "wxbot"

    def mirrors(self, tag: str) -> bool:
        return not any(fnmatch.fnmatchcase(tag, pattern) for pattern in self.exclude)


@dataclass(frozen=True)
class RuleSet:
    """Every rule of a tagging file; `counters_for` is the per-event hot path."""

    counters: tuple[CounterRule, ...] = ()
    tiers: tuple[TierRule, ...] = ()
    touch: TouchRule = field(default_factory=TouchRule)
    expiry: tuple[ExpiryRule, ...] = ()
    contact: ContactRule = field(default_factory=ContactRule)
    unsubscribe: UnsubscribeRule = field(default_factory=UnsubscribeRule)
    sync: SyncPolicy = field(default_factory=SyncPolicy)
    source: str = "<defaults>"
    _index: CounterIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the derived index is set the way dataclasses set fields.
        object.__setattr__(self, "_index", CounterIndex(self.counters))

    def counters_for(self, event: EventKind, key: str) -> list[CounterRule]:
        """The counter rules an event of this kind and key (or text) feeds."""
        return self._index.matching(event, key)

    def expiry_days(self) -> dict[str, int]:
        return {rule.tag: rule.after_days for rule in self.expiry}


class CounterIndex:
    """Counter rules by (kind, key) for exact keys, and one automaton for text words.

    With a thousand rules an event still costs one dict lookup plus one pass
    over its text, not a thousand comparisons.
    """

    def __init__(self, rules: Sequence[CounterRule]) -> None:
        self._exact: dict[tuple[EventKind, str], list[CounterRule]] = defaultdict(list)
        self._any: dict[EventKind, list[CounterRule]] = defaultdict(list)
        text_rules = [r for r in rules if r.event is EventKind.TEXT and r.key]
        for rule in rules:
            if not rule.key:
                self._any[rule.event].append(rule)
            elif rule.event is not EventKind.TEXT:
                self._exact[(rule.event, rule.key)].append(rule)
        self._words = sorted({rule.key for rule in text_rules})
        self._by_word: dict[str, list[CounterRule]] = defaultdict(list)
        for rule in text_rules:
            self._by_word[rule.key].append(rule)
        self._automaton = WordAutomaton(self._words)

    def matching(self, event: EventKind, key: str) -> list[CounterRule]:
        found = list(self._any.get(event, ()))
        if event is EventKind.TEXT:
            for index in sorted(self._automaton.indexes_in(key)):
                found.extend(self._by_word[self._words[index]])
        else:
            found.extend(self._exact.get((event, key), ()))
        return found
