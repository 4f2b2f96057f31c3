"""Grouping unanswered messages into frequent phrases."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from keywords.misses import group_misses
from keywords.segmenter import Segmenter


def test_frequent_phrases_first_with_counts_and_an_example(segmenter: Segmenter) -> None:
    messages = ["你们的发票怎么开", "发票能开专票吗", "请问发票", "售后电话多少"]
    phrases = group_misses(messages, segmenter.cut)
    assert phrases[0].phrase == "发票"
    assert phrases[0].count == 3
    assert phrases[0].example == "你们的发票怎么开"


def test_stop_words_numbers_and_emoji_are_dropped(segmenter: Segmenter) -> None:
    phrases = group_misses(["你好 在吗 😀", "123456", "请问 怎么 呢？"], segmenter.cut)
    assert phrases == []


def test_a_pair_replaces_its_words_when_asked_as_often(segmenter: Segmenter) -> None:
    segmenter.add_words(["延保", "政策"])
    phrases = group_misses(["延保政策是什么", "想了解延保政策"], segmenter.cut)
    assert [(p.phrase, p.count) for p in phrases][:1] == [("延保政策", 2)]
    assert "延保" not in {p.phrase for p in phrases}


def test_a_message_counts_once_per_phrase(segmenter: Segmenter) -> None:
    phrases = group_misses(["发票 发票 发票"], segmenter.cut)
    assert [(p.phrase, p.count) for p in phrases if p.phrase == "发票"] == [("发票", 1)]


@settings(deadline=None)
@given(st.lists(st.text(st.sampled_from("发票售后延保电话的吗 a1😀"), max_size=12), max_size=30))
def test_counts_are_bounded_and_sorted(segmenter: Segmenter, messages: list[str]) -> None:
    phrases = group_misses(messages, segmenter.cut, limit=10)
    assert len(phrases) <= 10
    assert all(1 <= p.count <= len(messages) for p in phrases)
    assert [p.count for p in phrases] == sorted((p.count for p in phrases), reverse=True)
    assert all(p.example in {m.strip()[:80] for m in messages} for p in phrases)
