"""The fast matcher agrees with the plain reference matcher on random tables and messages."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from keywords.matcher import KeywordMatcher, Signal
from keywords.rules import MatchMode, Rule, Trigger
from keywords.segmenter import Segmenter
from tests.keywords.reference import reference_explain
from tests.keywords.strategies import colliding_rules, moments, small_text


def _messages(rules: list[Rule]) -> st.SearchStrategy[str]:
    """Messages glued from the table's own keywords and noise, so they hit often."""
    keywords = [k for rule in rules if rule.match is not MatchMode.REGEX for k in rule.keywords]
    pieces = st.sampled_from(keywords) | small_text if keywords else small_text
    return st.lists(pieces, max_size=4).map("".join)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), rules=colliding_rules(), now=moments)
def test_fast_matcher_agrees_with_reference(
    segmenter: Segmenter, data: st.DataObject, rules: list[Rule], now: datetime
) -> None:
    matcher = KeywordMatcher(rules, segmenter)
    trigger = data.draw(st.sampled_from([Trigger.TEXT, Trigger.SUBSCRIBE, Trigger.SCAN]))
    signal = Signal(trigger, data.draw(_messages(rules)))
    expected = reference_explain(rules, segmenter, signal, now)
    assert matcher.explain(signal, now) == expected
    assert matcher.match(signal, now) == (expected[0] if expected else None)
