"""Contact details a follower leaves in a message: Chinese mobile numbers and WeChat IDs.

People type numbers every way ("138 1234 5678", "+86-138-1234-5678",
full-width digits from a Chinese keyboard), so the text is NFKC-normalised
first and separators are allowed between digits. A run of digits longer than
a mobile number (an order number, a tracking code) is not a phone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SEP = r"[ \-\u00a0]?"
# The +86/0086/86 prefix, then 1[3-9] and nine more digits, each optionally
# after one separator; no digit may touch either end.
_MOBILE = re.compile(
    r"(?<![\d+])"
    rf"(?:(?:\+|00)?86{_SEP}|\(\+?86\){_SEP})?"
    rf"(1{_SEP}[3-9](?:{_SEP}\d){{9}})"
    rf"(?!{_SEP}\d)"
)
# A WeChat ID is 6-20 letters, digits, '_' or '-', starting with a letter. So
# many words look like one that an ID is taken only after a cue like "微信".
_WECHAT_ID = re.compile(
    r"(?<![a-z])(?:微信号?|威信|薇信|v信|vx|wx|weixin|wechat)\s*(?:号|id)?\s*(?:是|为|:|：)?\s*"
    r"([a-z][a-z0-9_-]{5,19})(?![a-z0-9_-])",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d")
_LETTER = re.compile(r"[a-z]", re.IGNORECASE)  # as the ID's first character matches


@dataclass(frozen=True)
class ContactDetails:
    """What one message revealed, normalised: phones as 11 digits, IDs as typed."""

    phones: tuple[str, ...] = ()
    wechat_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.phones or self.wechat_ids)


def extract_phones(text: str) -> tuple[str, ...]:
    """Every Chinese mobile number in `text`, as 11 digits, in order, without repeats."""
    return _phones(unicodedata.normalize("NFKC", text))


def extract_wechat_ids(text: str) -> tuple[str, ...]:
    """WeChat IDs announced in `text` ("微信号：abc_123"), in order, without repeats."""
    return _wechat_ids(unicodedata.normalize("NFKC", text))


def _phones(normal: str) -> tuple[str, ...]:
    # Most messages hold no digit at all: one quick scan spares them the full pattern,
    # which tries its prefixes at every position (~15 µs for a line of English).
    if _DIGITS.search(normal) is None:
        return ()
    found = ("".join(_DIGITS.findall(match.group(1))) for match in _MOBILE.finditer(normal))
    return tuple(dict.fromkeys(found))


def _wechat_ids(normal: str) -> tuple[str, ...]:
    # An ID starts with a letter: a message without one (most Chinese text) is done.
    if _LETTER.search(normal) is None:
        return ()
    return tuple(dict.fromkeys(match.group(1) for match in _WECHAT_ID.finditer(normal)))


def first_phone(text: str | None) -> str | None:
    """The first mobile number in `text` as 11 digits, or None."""
    phones = extract_phones(text or "")
    return phones[0] if phones else None


def mask_phone(phone: str) -> str:
    """`13800138000` → `138****8000`: enough to tell numbers apart, not to call them."""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_phones(text: str) -> str:
    """`text` with every mobile number in it masked, for log lines."""
    normal = unicodedata.normalize("NFKC", text)
    return _MOBILE.sub(lambda match: mask_phone("".join(_DIGITS.findall(match.group(1)))), normal)


def extract_contacts(text: str) -> ContactDetails:
    """Phones and WeChat IDs in one message."""
    normal = unicodedata.normalize("NFKC", text)
    return ContactDetails(phones=_phones(normal), wechat_ids=_wechat_ids(normal))
