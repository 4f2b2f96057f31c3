"""Tunable numbers and cache key prefixes of the callback edge, with units in the names."""

from __future__ import annotations

# WeChat gives up after 5 s and retries; answer well before, storage included.
HANDLER_BUDGET_S = 3.5
# A retry whose first attempt is still being processed waits this long for its reply.
RETRY_REPLY_WAIT_S = 3.0
RETRY_REPLY_POLL_S = 0.05
# WeChat retries within ~15 s; keep dedup marks well past that.
DEDUP_TTL_S = 300
DEDUP_KEY = "wxbot:dedup"
PENDING = "pending"
# Callbacks whose timestamp is further than this from our clock are refused (replays).
TIMESTAMP_TOLERANCE_S = 300
# A (timestamp, nonce) is remembered with its body's hash while the timestamp can pass
# the window above (up to 2 x tolerance of our clock), so a captured URL cannot carry
# another body. A second of slack covers the boundary.
NONCE_KEY = "wxbot:nonce"
NONCE_TTL_S = 2 * TIMESTAMP_TOLERANCE_S + 1
MAX_NONCE_CHARS = 64

OUTBOX_BATCH = 20
OUTBOX_LEASE_S = 60.0
OUTBOX_IDLE_POLL_S = 1.0
OUTBOX_MAX_ATTEMPTS = 10
OUTBOX_MAX_BACKOFF_S = 600.0
# Longer than one API call's timeout, so stopping background work can finish its round.
BACKGROUND_STOP_TIMEOUT_S = 10.0
