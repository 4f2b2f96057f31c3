"""Which rule answers a signal: the fast matcher the dispatcher calls for every message.

The cost of a message does not grow with the table: one Aho-Corasick pass finds the
`contains` and `word` keywords it holds, a dict answers `exact`, jieba cuts the message
only when a `word` keyword occurs in it, and one combined regex rules out most patterns.
Ties are broken by rank: priority descending, then the global row order (an account's
own rules, then the shared ones, as the caller lists them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from keywords.hours import local_time
from keywords.normalize import normalize
from keywords.rules import Rule, Trigger
from keywords.segmenter import Segmenter
from keywords.trigger_index import BLANK, Entry, TriggerIndex


@dataclass(frozen=True)
class Signal:
    """What a follower sent: message content, menu EventKey or QR scene ("" = plain follow)."""

    trigger: Trigger
    text: str


@dataclass(frozen=True)
class Match:
    """A rule that fires, and its keyword that matched ("" when any signal matches)."""

    rule: Rule
    keyword: str


class KeywordMatcher:
    """Matches signals against `rules` (in row order); disabled rules are left out.

    Building it teaches `segmenter` the table's keywords, so a brand name in a message
    stays one word; build it in a thread, it is CPU work.
    """

    def __init__(self, rules: Sequence[Rule], segmenter: Segmenter) -> None:
        order = sorted(
            (index for index, rule in enumerate(rules) if rule.enabled),
            key=lambda index: (-rules[index].priority, index),
        )
        self.rules: tuple[Rule, ...] = tuple(rules[index] for index in order)
        self._windows = tuple(rule.hours for rule in self.rules)
        self._limit: Entry = (len(self.rules), 0)
        self._indexes = {
            trigger: TriggerIndex(
                trigger,
                [(rank, rule) for rank, rule in enumerate(self.rules) if rule.trigger is trigger],
            )
            for trigger in Trigger
            if trigger is not Trigger.DEFAULT
        }
        self._defaults = [
            rank for rank, rule in enumerate(self.rules) if rule.trigger is Trigger.DEFAULT
        ]
        self._segmenter = segmenter
        segmenter.add_words(word for index in self._indexes.values() for word in index.words)

    def match(self, signal: Signal, now: datetime) -> Match | None:
        """The rule that answers `signal` at `now` (an aware datetime), or None."""
        in_hours = self._opening(now)
        text = normalize(signal.text)
        rank, position = self._index(signal).best(text, in_hours, self._segmenter.cut, self._limit)
        if (rank, position) != self._limit:
            return self._match(rank, position)
        if signal.trigger is Trigger.TEXT:
            for rank in self._defaults:
                if in_hours(rank):
                    return self._match(rank, BLANK)
        return None

    def explain(self, signal: Signal, now: datetime, *, any_hour: bool = False) -> list[Match]:
        """Every rule that fires on `signal` at `now`, the winner first (for the ops `test`).

        `any_hour`: as if every rule's `hours` were open, to tell which ones were closed.
        """
        in_hours = self._opening(now) if not any_hour else (lambda rank: True)
        found = self._index(signal).every(normalize(signal.text), in_hours, self._segmenter.cut)
        if not found and signal.trigger is Trigger.TEXT:
            found = {rank: BLANK for rank in self._defaults if in_hours(rank)}
        return [self._match(rank, found[rank]) for rank in sorted(found)]

    def _index(self, signal: Signal) -> TriggerIndex:
        if signal.trigger is Trigger.DEFAULT:
            raise ValueError("default is not a signal; send a text signal")
        return self._indexes[signal.trigger]

    def _opening(self, now: datetime) -> Callable[[int], bool]:
        moment = local_time(now)
        windows = self._windows

        def in_hours(rank: int) -> bool:
            window = windows[rank]
            return window is None or window.contains(moment)

        return in_hours

    def _match(self, rank: int, position: int) -> Match:
        rule = self.rules[rank]
        return Match(rule, rule.keywords[position] if position != BLANK else "")
