"""Tunable numbers and WeCom's codes of the customer transfers."""

from __future__ import annotations

from typing import Final

# At most 100 customers a call (developer.work.weixin.qq.com/document/path/96325).
TRANSFER_BATCH_MAX: Final = 100
# The customer sees this once moved; WeCom cuts nothing, so keep within 200 characters.
TRANSFER_MSG_MAX: Final = 200
# Waits before each poll of `transfer_result`: early ones catch refusals, the third
# lands just past the 24 h takeover, then every 6 h until each customer ends.
POLL_DELAYS_S: Final = (3600.0, 6 * 3600.0, 17 * 3600.0 + 300.0)
POLL_EVERY_S: Final = 6 * 3600.0
# A waiting row `transfer_result` no longer lists, this long after its call: no record.
MISSING_AFTER_S: Final = 25 * 3600.0

# `transfer_result` statuses (document/path/94088) → `customer_transfers.state`.
RESULT_STATES: Final = {1: "done", 2: "waiting", 3: "refused", 4: "receiver_full", 5: "no_record"}
# Per-customer errcodes of the transfer calls (WeCom's global code table, as quoted in
# `fakewechat/limits.py`).
TOO_OFTEN: Final = 40128  # twice in 90 days while employed: never retried
IN_PROGRESS: Final = 40129  # already being transferred (our own call, re-run after a crash)
RECEIVER_FULL: Final = 40099  # the receiver is at its customer limit
# Per-customer codes that mean the customer is not the handover member's to move.
NOT_THEIRS: Final = frozenset({40096, 40131, 84061})
# `transfer_fail`'s FailReason (the change_external_contact callback).
FAIL_REASONS: Final = {"customer_refused": "refused", "customer_limit_exceed": "receiver_full"}


def state_of_answer(errcode: int) -> str:
    """A customer's state after the transfer call answered `errcode` for it."""
    if errcode in (0, IN_PROGRESS):
        return "waiting"
    if errcode == TOO_OFTEN:
        return "limit_reached"
    if errcode == RECEIVER_FULL:
        return "receiver_full"
    if errcode in NOT_THEIRS:
        return "no_record"
    return "failed"


# Daily reconciliation: one process a day runs it (the first to set this key for a day).
RECONCILE_INTERVAL_S: Final = 24 * 3600.0
RECONCILE_CHECK_S: Final = 3600.0
RECONCILE_DAY_KEY: Final = "wxbot:leads:reconciled:{day}"
# WeCom's answer to `externalcontact/list` for a member with no customer.
NO_CUSTOMERS: Final = 84061
# The outbox gives up on a call after about 1.6 h of retries (10 attempts, backoff capped
# at 10 minutes): a row still queued after this long was dropped, and a waiting row past
# the takeover by this long lost its poll chain. The daily upkeep ends or re-polls them.
STUCK_AFTER_S: Final = 6 * 3600.0
# Rounds of re-started poll chains: far above a chain's own rounds, one start a day.
RESTART_ROUND_BASE: Final = 100_000
