"""Tunable numbers and cache key prefixes of the callback edge, with units in the names."""

from __future__ import annotations

# WeChat gives up after 5 s and retries; answer well before, storage included.
HANDLER_BUDGET_S = 3.5
# A retry whose first attempt is still being processed waits this long for its reply.
RETRY_REPLY_WAIT_S = 3.0
RETRY_REPLY_POLL_S = 0.05
# A claim on a callback lasts this long: past the handler budget plus the append,
# and short enough that WeChat's retries after a crash (at ~5 s intervals) find
# it expired and take the work over.
DEDUP_LEASE_S = 6.0
DEDUP_KEY = "wxbot:dedup"
# Callbacks whose timestamp is further than this from our clock are refused (replays).
TIMESTAMP_TOLERANCE_S = 300
# A (timestamp, nonce) is remembered with its body's hash while the timestamp can pass
# the window above (up to 2 x tolerance of our clock), so a captured URL cannot carry
# another body. A second of slack covers the boundary.
NONCE_KEY = "wxbot:nonce"
NONCE_TTL_S = 2 * TIMESTAMP_TOLERANCE_S + 1
MAX_NONCE_CHARS = 64
