"""Phone numbers and WeChat IDs left in messages, including property tests."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tagging import contacts
from tagging.contacts import extract_phones, extract_wechat_ids


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("我的电话13812345678", ("13812345678",)),
        ("+86 138 1234 5678", ("13812345678",)),
        ("+86-138-1234-5678 谢谢", ("13812345678",)),
        ("0086 13812345678", ("13812345678",)),
        ("(+86)13812345678", ("13812345678",)),
        ("８６１３８１２３４５６７８", ("13812345678",)),  # full-width, from a Chinese keyboard
        ("13812345678 或 15900001111", ("13812345678", "15900001111")),
        ("订单号 2013812345678901", ()),
        ("138123456789", ()),
        ("12345678901", ()),
        ("价格 1380 元", ()),
    ],
)
def test_phones(text: str, phones: tuple[str, ...]) -> None:
    assert extract_phones(text) == phones


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("微信号：abc_1234", ("abc_1234",)),
        ("加我vx Tom-2024", ("Tom-2024",)),
        ("wechat: hello_world", ("hello_world",)),
        ("我喜欢 abcdefg", ()),
        ("微信 12345678", ()),
    ],
)
def test_wechat_ids(text: str, ids: tuple[str, ...]) -> None:
    assert extract_wechat_ids(text) == ids


_prefixes = st.sampled_from(["", "+86", "+86 ", "+86-", "0086", "86", "(+86)"])
_seps = st.sampled_from(["", " ", "-"])
_words = st.text(alphabet="你好电话是我的，。请联系abc ", max_size=8)


@given(
    second=st.sampled_from("3456789"),
    rest=st.text(alphabet="0123456789", min_size=9, max_size=9),
    prefix=_prefixes,
    sep=_seps,
    before=_words,
    after=_words,
)
def test_any_formatting_of_a_mobile_is_found(
    *, second: str, rest: str, prefix: str, sep: str, before: str, after: str
) -> None:
    number = f"1{second}{rest}"
    formatted = f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    assert extract_phones(f"{before}{prefix}{formatted}{after}") == (number,)


@given(st.text(alphabet="0123456789", min_size=12, max_size=20))
def test_longer_digit_runs_are_never_phones(digits: str) -> None:
    assert extract_phones(digits) == ()


@given(st.text())
def test_found_phones_are_always_eleven_digit_mobiles(text: str) -> None:
    for phone in extract_phones(text):
        assert len(phone) == 11
        assert phone.isascii() and phone.isdigit()
        assert phone[0] == "1" and phone[1] in "3456789"


# Digits (ASCII, full-width, Arabic-Indic), letters that IGNORECASE folds onto a-z
# (K, ſ: the Kelvin sign and the long s), cues and separators: matches are likely.
_contact_text = st.text(alphabet="0123456789１３８٣+-() abcxyzKKſ微信号vxVX:：", max_size=40)


@given(_contact_text)
def test_the_quick_scans_skip_only_texts_the_full_patterns_find_nothing_in(text: str) -> None:
    # The reference: the full patterns run on every text, with no scan before them.
    normal = unicodedata.normalize("NFKC", text)
    phones = (
        "".join(contacts._DIGITS.findall(match.group(1)))
        for match in contacts._MOBILE.finditer(normal)
    )
    ids = (match.group(1) for match in contacts._WECHAT_ID.finditer(normal))
    assert extract_phones(text) == tuple(dict.fromkeys(phones))
    assert extract_wechat_ids(text) == tuple(dict.fromkeys(ids))
