"""The demo table the simulator's newcomer sees: clean, and answering as advertised."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import keywords
from keywords.matcher import KeywordMatcher, Signal
from keywords.rules import ReplyMode, Trigger
from keywords.segmenter import Segmenter
from keywords.table_csv import read_table

DEMO = Path(keywords.__file__).parent / "demo.csv"
MORNING = datetime(2024, 5, 1, 2, tzinfo=UTC)  # 10:00 in Shanghai
EVENING = datetime(2024, 5, 1, 12, tzinfo=UTC)  # 20:00 in Shanghai


@pytest.fixture(scope="module")
def demo(segmenter: Segmenter) -> KeywordMatcher:
    return KeywordMatcher(read_table(DEMO).rules, segmenter)


def test_demo_table_has_no_problems() -> None:
    assert read_table(DEMO).problems == ()


@pytest.mark.parametrize(
    ("trigger", "text", "now", "rule"),
    [
        (Trigger.TEXT, "请问这车多少钱", MORNING, "price"),
        (Trigger.TEXT, "周末能试驾吗", MORNING, "test_drive"),
        (Trigger.TEXT, "你们店在哪", MORNING, "address"),
        (Trigger.TEXT, "我电话13912345678", MORNING, "phone"),
        (Trigger.TEXT, "转人工", MORNING, "human"),
        (Trigger.TEXT, "转人工", EVENING, "human_after_hours"),
        (Trigger.TEXT, "哈哈", MORNING, "fallback"),
        (Trigger.CLICK, "MENU_PRICE", MORNING, "menu_price"),
        (Trigger.SUBSCRIBE, "spring_expo", MORNING, "expo_follow"),
        (Trigger.SUBSCRIBE, "", MORNING, "welcome"),
        (Trigger.SCAN, "spring_expo", MORNING, "welcome_back"),
    ],
)
def test_demo_answers(
    demo: KeywordMatcher, trigger: Trigger, text: str, now: datetime, rule: str
) -> None:
    found = demo.match(Signal(trigger, text), now)
    assert found is not None and found.rule.name == rule


def test_demo_test_drive_sends_two_replies(demo: KeywordMatcher) -> None:
    found = demo.match(Signal(Trigger.TEXT, "想试驾"), MORNING)
    assert found is not None
    assert found.rule.reply_mode is ReplyMode.ALL and len(found.rule.replies) == 2
