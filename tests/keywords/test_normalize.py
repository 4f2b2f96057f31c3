"""The normal form keywords and messages are compared in."""

from __future__ import annotations

import pytest

from keywords.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ", "abc"),
        ("ABC", "abc"),
        ("１３８", "138"),
        ("价格：多少", "价格:多少"),
        ("价格 😊 ", "价格"),
        ("  试驾\t\n预约 ", "试驾 预约"),
        ("👍🏽价格", "价格"),  # skin tone modifier
        ("👨‍👩‍👧价格", "价格"),  # zero-width-joined family
        ("❤️价格", "价格"),  # variation selector
        ("🇨🇳价格", "价格"),  # regional indicators
        ("Straße", "strasse"),
        ("价格？", "价格?"),  # punctuation is kept
        ("😊", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
