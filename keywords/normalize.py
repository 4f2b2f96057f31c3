"""One normal form for keywords and messages, so that what ops type matches what followers type.

NFKC folds full-width forms (ＡＢＣ１２３ → ABC123, "：" → ":"), casefold folds case,
emoji are dropped (followers decorate messages with them) and whitespace runs collapse.
Keywords and messages go through the same function, so the matcher compares like with like.
"""

from __future__ import annotations

import re
import unicodedata

# Only non-word, non-space characters can be emoji, so the per-character check runs on
# the few symbols of a message rather than on every Chinese character.
_SYMBOL = re.compile(r"[^\w\s]")
# Joiners, variation selectors, keycaps and tag characters glue emoji sequences together.
_EMOJI_PARTS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3})
_EMOJI_PLANE = range(0x1F000, 0x1FB00)  # includes emoji newer than Python's Unicode tables
_TAGS = range(0xE0020, 0xE0080)


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return (
        code in _EMOJI_PARTS
        or code in _EMOJI_PLANE
        or code in _TAGS
        or unicodedata.category(char) == "So"
    )


def _drop_emoji(found: re.Match[str]) -> str:
    char = found.group()
    return "" if _is_emoji(char) else char


def normalize(text: str) -> str:
    """The form keywords and messages are compared in (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_SYMBOL.sub(_drop_emoji, folded).split())
