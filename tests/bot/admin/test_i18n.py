"""Every word a template asks for exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from bot.admin.i18n import WORDS, translator
from bot.admin.site import HERE

_USED = re.compile(r"""\bt\(\s*'([a-z_]+)'\s*\)""")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for template in Path(HERE / "templates").glob("*.html"):
        keys |= set(_USED.findall(template.read_text(encoding="utf-8")))
    return keys


def test_every_template_word_is_translated() -> None:
    used = _used_keys()
    assert len(used) > 40  # the pattern still finds the calls
    assert sorted(used - set(WORDS)) == []
    for key in used:
        chinese, english = WORDS[key]
        assert chinese.strip()
        assert english.strip()


def test_chinese_first_english_on_request() -> None:
    assert translator("zh")("sign_in") == "登录"
    assert translator("en")("sign_in") == "Sign in"
    assert translator("fr")("sign_in") == "登录"
