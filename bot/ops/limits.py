"""Tunable numbers of ops operations (the publish channel: `bot.runtime.limits`)."""

from __future__ import annotations

# Rows a history list shows; phrases a misses report shows.
HISTORY_LIMIT = 50
MISSES_LIMIT = 20

# One menu publish per account at a time: two would delete each other's conditional
# menus at WeChat. The lock outlives a publish's calls (a few, 5 s each at worst).
MENU_PUBLISH_LOCK_KEY = "wxbot:menus:publishing"
MENU_PUBLISH_LOCK_TTL_S = 120.0
