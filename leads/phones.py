"""Chinese mobile numbers left in a message: found, normalised, masked."""

from __future__ import annotations

import re

# With or without +86 and separators; not inside a longer run of digits.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def find_phone(text: str | None) -> str | None:
    """The first mobile number in `text` as 11 digits, or None."""
    match = _MOBILE.search(text or "")
    return "".join(match.groups()) if match else None


def mask_phone(phone: str) -> str:
    """`13800138000` → `138****8000`, for places a full number must not appear."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"  # noqa: PLR2004
