"""Tunable numbers of the work behind the reply (effects stage, outbox), with units in the names."""

from __future__ import annotations

# Events applied per transaction: large enough that set-based statements pay
# off, small enough that a batch's row locks are held for milliseconds.
EFFECTS_BATCH = 500
# A consumer's hold on its partitions; renewed every round and by every batch.
EFFECTS_LEASE_S = 5.0
# How often a consumer heartbeats and rebalances (well within the lease).
EFFECTS_REBALANCE_S = 1.0
# A consumer not heard from for this long is gone: its share is redistributed.
EFFECTS_CONSUMER_STALE_S = 10.0
# After a batch that was not full, wait this long for the next (effects land well
# within a second all the same).
EFFECTS_LINGER_S = 0.05
# How often an idle consumer looks for work (a stored event wakes it at once).
EFFECTS_IDLE_POLL_S = 0.5
# An event whose effects raise this often is set aside (`wxbot events failed`).
EFFECTS_MAX_ATTEMPTS = 3
# A held event (its handler overran) is applied as stored after this long,
# in case the process that ran the handler died.
EFFECTS_HOLD_S = 60.0

OUTBOX_BATCH = 20
OUTBOX_LEASE_S = 60.0
OUTBOX_IDLE_POLL_S = 1.0
OUTBOX_MAX_ATTEMPTS = 10
OUTBOX_MAX_BACKOFF_S = 600.0

# A `channel.codes` job holds its channel for the length of its API calls, so two
# processes never make two codes for one channel; another waits this long, then retries.
CODES_LOCK_KEY = "wxbot:channels:codes:{key}"
CODES_LOCK_TTL_S = OUTBOX_LEASE_S
CODES_LOCK_WAIT_S = 15.0
