"""Logging set-up: one line per record, and phone numbers masked wherever they appear."""

from __future__ import annotations

import logging

from bot.errors import SettingsError
from tagging.contacts import mask_phones

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class PhoneMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_phones(record.getMessage())
        record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr with phone masking, unless logging is already set up (embedding, tests).

    `level` comes from `WXBOT_LOG_LEVEL`: anything but a level name is a settings error.
    """
    if level.upper() not in LEVELS:
        raise SettingsError(
            "environment", "WXBOT_LOG_LEVEL", f"must be one of {', '.join(LEVELS)}, got {level!r}"
        )
    # Migration bookkeeping ("Context impl SQLiteImpl.") is noise in every command's output.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(PhoneMaskingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("jieba").setLevel(logging.WARNING)
