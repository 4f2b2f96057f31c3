"""The plain reference matcher: every rule checked in a loop, the obvious way.

Property tests hold the fast `KeywordMatcher` to this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from keywords.hours import local_time
from keywords.matcher import Match, Signal
from keywords.normalize import normalize
from keywords.rules import MatchMode, Rule, Trigger
from keywords.segmenter import Segmenter


def _searches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text, re.IGNORECASE) is not None
    except re.error:  # the table checks refuse it; a matcher built anyway never fires it
        return False


def _matched_keyword(rule: Rule, text: str, segmenter: Segmenter) -> str | None:
    if rule.trigger is Trigger.DEFAULT:
        return ""
    if not rule.keywords:
        return "" if rule.trigger.blank_matches_any else None
    for keyword in rule.keywords:
        if rule.match is MatchMode.REGEX:
            if _searches(keyword, text):
                return keyword
            continue
        normal = normalize(keyword)
        if normal and _fires(rule.match, normal, text, segmenter):
            return keyword
    return None


def _fires(match: MatchMode, keyword: str, text: str, segmenter: Segmenter) -> bool:
    if match is MatchMode.CONTAINS:
        return keyword in text
    if match is MatchMode.EXACT:
        return keyword == text
    return keyword in segmenter.cut(text)


def reference_explain(
    rules: Sequence[Rule], segmenter: Segmenter, signal: Signal, now: datetime
) -> list[Match]:
    """Every firing rule, best first: priority descending, then row order."""
    moment = local_time(now)
    text = normalize(signal.text)

    def fired(trigger: Trigger) -> list[Match]:
        found: list[tuple[int, int, Match]] = []
        for order, rule in enumerate(rules):
            if rule.trigger is not trigger or not rule.enabled:
                continue
            if rule.hours is not None and not rule.hours.contains(moment):
                continue
            keyword = _matched_keyword(rule, text, segmenter)
            if keyword is not None:
                found.append((-rule.priority, order, Match(rule, keyword)))
        return [match for _, _, match in sorted(found, key=lambda item: item[:2])]

    matches = fired(signal.trigger)
    if not matches and signal.trigger is Trigger.TEXT:
        matches = fired(Trigger.DEFAULT)
    return matches
