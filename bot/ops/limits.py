"""Tunable numbers and channel names of keyword table publishing, with units in the names."""

from __future__ import annotations

# Every bot process listens here; a notice says "some table changed, look in the DB".
PUBLISHED_CHANNEL = "wxbot:keywords:published"
# The safety net for a missed notice (Redis restarted, a subscription dropped): ops
# were promised 2 s, so a lost notice costs at most this much more.
VERSION_POLL_S = 3.0
# Rows a history list shows; phrases a misses report shows.
HISTORY_LIMIT = 50
MISSES_LIMIT = 20
