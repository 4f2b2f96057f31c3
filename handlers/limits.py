"""Tunable numbers and cache key prefixes of the handlers, with units in the names."""

from __future__ import annotations

# WeChat's console sends its "did not understand" reply at most once an hour per user.
DEFAULT_REPLY_INTERVAL_S = 60 * 60
DEFAULT_REPLY_KEY = "wxbot:default-reply"

# Customer-service windows: after a follower's message, 5 messages within 48 h;
# after a click, follow or scan, 3 within a minute.
CS_MESSAGE_WINDOW_S = 48 * 60 * 60
CS_MESSAGE_WINDOW_MAX = 5
CS_EVENT_WINDOW_S = 60
CS_EVENT_WINDOW_MAX = 3
CS_KEY = "wxbot:cs"
