"""Tunable numbers and channel names of a running bot's long-lived parts, units in the names."""

from __future__ import annotations

from typing import Final

# Longer than one API call's timeout, so stopping background work can finish its round.
BACKGROUND_STOP_TIMEOUT_S: Final = 10.0

# Every bot process listens on one channel per kind of ops table (keywords, channels):
# a notice says "some table of this kind changed, look in the DB".
TABLE_NOTICE_CHANNEL: Final = "wxbot:{kind}:published"
# The safety net for a missed notice (Redis restarted, a subscription dropped): ops
# were promised 2 s, so a lost notice costs at most this much more.
VERSION_POLL_S: Final = 3.0

# How often each process sweeps expired tags, and how many per transaction.
EXPIRY_SWEEP_INTERVAL_S: Final = 300.0
EXPIRY_SWEEP_BATCH: Final = 500

# How often each process looks for due journey steps (claimed with row locks: any number of
# processes fire each step once).
JOURNEY_SCHEDULER_INTERVAL_S: Final = 5.0

# The channel code keeper sleeps until the next shift change or QR renewal, but never
# longer than this: a safety net for a wall clock that jumped.
CHANNEL_KEEPER_MAX_SLEEP_S: Final = 300.0

# How often a process looks for salespeople whose leave ends today (any process may).
TEAM_RETURN_CHECK_S: Final = 60.0

# `serve`'s stage process runs at this much lower CPU priority than the serving ones:
# on a busy host the edge answers first and the stage takes what is left, catching up
# when the load falls (its batches grow with the backlog, so it loses little by waiting).
STAGE_PROCESS_NICENESS: Final = 5

# The collector's youngest generation is walked after this many new container objects
# (Python's default is 700). Under load a walk finds the in-flight requests' objects
# alive whatever the threshold, so walking ten times less often costs ten times less.
GC_YOUNG_THRESHOLD: Final = 7000
