"""The typed jieba adapter: learned words stay whole."""

from __future__ import annotations

import pytest

from keywords.segmenter import Segmenter, can_be_word


def test_a_learned_brand_name_is_one_word(segmenter: Segmenter) -> None:
    segmenter.add_words(["星途瑶光"])
    assert "星途瑶光" in segmenter.cut("我想了解星途瑶光的配置")


def test_an_unlearned_brand_name_is_split() -> None:
    fresh = Segmenter()
    fresh.initialize()
    assert "星途揽胜" not in fresh.cut("我想了解星途揽胜的配置")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("试驾", True), ("model-x", True), ("?", True), ("价 格", False), ("价格!", False)],
)
def test_can_be_word(word: str, expected: bool) -> None:
    assert can_be_word(word) is expected
