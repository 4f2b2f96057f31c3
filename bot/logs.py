"""Logging set-up: one line per record, and phone numbers masked wherever they appear."""

from __future__ import annotations

import logging
import re

# Chinese mobile numbers, with or without +86 and separators.
_PHONE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    """`13800138000` → `138****8000`: enough to tell numbers apart, not to call them."""
    return _PHONE.sub(lambda match: f"{match.group(1)}****{match.group(3)}", text)


class PhoneMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_phones(record.getMessage())
        record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr with phone masking, unless logging is already set up (embedding, tests)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(PhoneMaskingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("jieba").setLevel(logging.WARNING)
