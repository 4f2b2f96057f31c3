"""`tagging.toml` fuzzed with the loader's own vocabulary: a RuleSet or a RulesError, fast."""

from __future__ import annotations

import time

from hypothesis import given, settings

from tagging.rules_file import RulesError, parse_rules
from tests.toml_strategies import documents

SECTIONS = ["counter", "tier", "touch", "expire", "contact", "unsubscribe", "sync", "other"]
KEYS = [
    "after_days", "at_least", "category", "event", "expires_days", "first", "key", "last",
    "metric", "name", "phone_points", "phone_tag", "points", "tag", "wechat_id_points",
    "wechat_id_tag", "wecom_group", "within_days", "color",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(documents(SECTIONS, KEYS, array_tables=True))
def test_rules_files_of_known_names_parse_or_fail_with_a_rules_error(text: str) -> None:
    started = time.perf_counter()
    try:
        parse_rules(text)
    except RulesError as exc:
        assert str(exc)
    assert time.perf_counter() - started < 1.0
