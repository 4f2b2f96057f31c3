"""Logging set-up: one line per record, and phone numbers masked wherever they appear."""

from __future__ import annotations

import logging

from tagging.contacts import mask_phones


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
