"""Tunable numbers of keyword operations (the publish channel: `bot.runtime.limits`)."""

from __future__ import annotations

# Rows a history list shows; phrases a misses report shows.
HISTORY_LIMIT = 50
MISSES_LIMIT = 20
