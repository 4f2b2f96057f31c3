"""The lookup structures of one trigger's rules, so a signal costs its hits, not the table.

Rules are identified by rank (0 = wins first). Every keyword maps to its rules' entries
`(rank, keyword position)`, kept sorted, so finding the best open rule for a hit stops
at the first entry whose rule is in its hours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from keywords.automaton import WordAutomaton
from keywords.normalize import normalize
from keywords.rules import MatchMode, Rule, Trigger

Entry = tuple[int, int]  # (rank, position of the keyword in rule.keywords)
BLANK = -1  # position of a blank keyword cell that matches any signal
InHours = Callable[[int], bool]
Cut = Callable[[str], list[str]]

log = logging.getLogger(__name__)

# `regex` (same syntax as `re`, version 0) because its searches take a timeout.
REGEX_FLAGS = regex.IGNORECASE
# A search of one message, worst case; the normal one takes microseconds.
REGEX_TIMEOUT_S = 0.05
# Backreferences and conditionals count groups, which shift once patterns are joined.
_COUNTS_GROUPS = regex.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _searches(pattern: regex.Pattern[str], text: str, *, on_timeout: bool = False) -> bool:
    """Whether `pattern` occurs in `text`; `on_timeout` when the search ran out of time."""
    try:
        return pattern.search(text, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        log.warning(
            "regex %r gave up after %.0f ms on a %d-character message",
            pattern.pattern,
            REGEX_TIMEOUT_S * 1000,
            len(text),
        )
        return on_timeout


@dataclass(frozen=True)
class _Pattern:
    entry: Entry
    pattern: regex.Pattern[str]
    gated: bool  # part of the combined pattern, so it cannot match when that does not


def _better(entries: Sequence[Entry], best: Entry, in_hours: InHours) -> Entry:
    """The first open entry if it beats `best` (entries are sorted), else `best`."""
    for entry in entries:
        if entry >= best:
            return best
        if in_hours(entry[0]):
            return entry
    return best


def _add_all(entries: Sequence[Entry], found: dict[int, int], in_hours: InHours) -> None:
    for rank, position in entries:
        if in_hours(rank) and (rank not in found or position < found[rank]):
            found[rank] = position


class TriggerIndex:
    """Candidates for the signals of one trigger; `ranked` is (rank, rule) in rank order."""

    def __init__(self, trigger: Trigger, ranked: Sequence[tuple[int, Rule]]) -> None:
        self._blank: list[Entry] = []
        self._exact: dict[str, list[Entry]] = {}
        contains: dict[str, list[Entry]] = {}
        word: dict[str, list[Entry]] = {}
        patterns: list[tuple[Entry, str]] = []
        targets = {MatchMode.EXACT: self._exact, MatchMode.CONTAINS: contains, MatchMode.WORD: word}
        for rank, rule in ranked:
            if not rule.keywords and trigger.blank_matches_any:
                self._blank.append((rank, BLANK))
            elif rule.match is MatchMode.REGEX:
                patterns.extend(((rank, position), p) for position, p in enumerate(rule.keywords))
            else:
                for position, keyword in enumerate(rule.keywords):
                    if normal := normalize(keyword):
                        targets[rule.match].setdefault(normal, []).append((rank, position))
        # Word keywords go into the automaton too: a whole word is also a substring, so
        # the slow jieba cut runs only when a word keyword is in the message at all.
        self.words = sorted(contains.keys() | word.keys())
        self._contains_at = [contains.get(w, []) for w in self.words]
        self._word_at = [word.get(w, []) for w in self.words]
        self._automaton = WordAutomaton(self.words)
        self._patterns, self._gate = _compile_patterns(patterns)

    def best(self, text: str, in_hours: InHours, cut: Cut, limit: Entry) -> Entry:
        """The winning open entry for normalized `text`, or `limit` if none beats it."""
        best = _better(self._blank, limit, in_hours)
        best = _better(self._exact.get(text, ()), best, in_hours)
        with_words: list[int] = []
        for index in self._automaton.indexes_in(text):
            best = _better(self._contains_at[index], best, in_hours)
            if self._word_at[index]:
                with_words.append(index)
        # Cut only if a word keyword could still beat what substrings already found.
        live = [index for index in with_words if self._word_at[index][0] < best]
        if live:
            tokens = set(cut(text))
            for index in live:
                if self.words[index] in tokens:
                    best = _better(self._word_at[index], best, in_hours)
        gate_open: bool | None = None
        for candidate in self._patterns:
            if candidate.entry >= best:
                break
            if not in_hours(candidate.entry[0]):
                continue
            if candidate.gated:
                if gate_open is None:
                    # A gate that runs out of time rules nothing out: one runaway
                    # pattern in it must not silence the patterns beside it.
                    gate_open = self._gate is not None and _searches(
                        self._gate, text, on_timeout=True
                    )
                if not gate_open:
                    continue
            if _searches(candidate.pattern, text):
                return candidate.entry
        return best

    def every(self, text: str, in_hours: InHours, cut: Cut) -> dict[int, int]:
        """Every open rule that fires on normalized `text`: rank → first matching keyword."""
        found: dict[int, int] = {}
        _add_all(self._blank, found, in_hours)
        _add_all(self._exact.get(text, ()), found, in_hours)
        with_words: list[int] = []
        for index in self._automaton.indexes_in(text):
            _add_all(self._contains_at[index], found, in_hours)
            if self._word_at[index]:
                with_words.append(index)
        if with_words:
            tokens = set(cut(text))
            for index in with_words:
                if self.words[index] in tokens:
                    _add_all(self._word_at[index], found, in_hours)
        for candidate in self._patterns:
            if in_hours(candidate.entry[0]) and _searches(candidate.pattern, text):
                _add_all((candidate.entry,), found, in_hours)
        return found


def _compile_patterns(
    patterns: Sequence[tuple[Entry, str]],
) -> tuple[list[_Pattern], regex.Pattern[str] | None]:
    """Per-rule patterns plus one combined pattern that rules most of them out in one pass."""
    joinable: list[str] = []
    compiled: list[tuple[Entry, regex.Pattern[str], bool]] = []
    for entry, source in patterns:
        try:
            pattern = regex.compile(source, REGEX_FLAGS)
        except regex.error:
            continue  # the table checks report it; a matcher built anyway skips it
        joins = _COUNTS_GROUPS.search(source) is None and _compiles(f"(?:{source})")
        if joins:
            joinable.append(f"(?:{source})")
        compiled.append((entry, pattern, joins))
    gate = None
    if joinable:
        try:
            gate = regex.compile("|".join(joinable), REGEX_FLAGS)
        except regex.error:  # e.g. the same group name in two patterns: check each one alone
            compiled = [(entry, pattern, False) for entry, pattern, _ in compiled]
    return [_Pattern(entry, pattern, gated) for entry, pattern, gated in compiled], gate


def _compiles(source: str) -> bool:
    try:
        regex.compile(source, REGEX_FLAGS)
    except regex.error:
        return False
    return True
