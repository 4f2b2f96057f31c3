"""Phone numbers never reach a log line in full."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.logs import PhoneMaskingFilter
from tagging.contacts import mask_phones


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13800138000", "电话138****8000"),
        ("+86 138-0013-8000 call me", "138****8000 call me"),
        ("8613800138000", "138****8000"),
        ("全角１３８００１３８０００", "全角138****8000"),
        ("order 123456789012345", "order 123456789012345"),
        ("msgid 4363689963896700987", "msgid 4363689963896700987"),
    ],
)
def test_mask_phones(text: str, masked: str) -> None:
    assert mask_phones(text) == masked


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True), st.text(alphabet="价格试驾 ,.", max_size=10))
def test_no_full_mobile_number_survives(phone: str, around: str) -> None:
    assert phone not in mask_phones(f"{around}{phone}{around}")


def test_filter_masks_formatted_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("wxbot.test")
    logger.addFilter(PhoneMaskingFilter())
    with caplog.at_level(logging.INFO, logger="wxbot.test"):
        logger.info("lead phone=%s", "13912345678")
    assert caplog.messages == ["lead phone=139****5678"]
