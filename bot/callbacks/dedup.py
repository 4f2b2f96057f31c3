"""Answer each callback once: WeChat's and WeCom's retries get the first attempt's reply.

A `SET NX` mark in the cache claims the work for a short lease; a retry that
finds the mark waits briefly for the first attempt's reply, which is stored
with the event in the database (one cache round trip per callback). If the
work fails the mark is dropped, so the sender's next retry is processed afresh.

The lease is what keeps a crash from losing a message: a process killed
mid-request leaves its mark behind, but only for `DEDUP_LEASE_S`. A retry
that finds neither a stored reply nor an expired lease answers 503, so WeChat
retries again, and the retry after the lease takes the work over. Never a 200
for a message that was not stored. The database's unique key on the event
stays the last word when two attempts both do the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.callbacks.limits import (
    DEDUP_KEY,
    DEDUP_LEASE_S,
    RETRY_REPLY_POLL_S,
    RETRY_REPLY_WAIT_S,
)
from bot.errors import CallbackRejected
from storage.cache import Cache

# The reply stored for a dedup key; None while the first attempt is still at work.
StoredReply = Callable[[], Awaitable[str | None]]


class FirstAttemptBusy(CallbackRejected):
    """A retry arrived while another attempt holds the lease and has stored nothing yet."""

    def __init__(self) -> None:
        super().__init__(503, "the first attempt of this callback is still at work; retry")


async def answer_once(
    cache: Cache,
    key: str,
    work: Callable[[], Awaitable[str]],
    stored_reply: StoredReply,
    owner: str,
    *,
    lease_s: float = DEDUP_LEASE_S,
    wait_s: float = RETRY_REPLY_WAIT_S,
) -> tuple[str, bool]:
    """(reply, True) after doing `work`; (the earlier reply, False) for a retry.

    Raises `FirstAttemptBusy` for a retry whose first attempt stored nothing in time.
    """
    if not await cache.set_if_absent(f"{DEDUP_KEY}:{key}", owner, lease_s):
        return await _reply_of_earlier_attempt(stored_reply, wait_s), False
    try:
        return await work(), True
    except BaseException:
        # Not stored: forget the mark so the sender's retry is processed afresh.
        await cache.delete_if_equals(f"{DEDUP_KEY}:{key}", owner)
        raise


async def _reply_of_earlier_attempt(stored_reply: StoredReply, wait_s: float) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        reply = await stored_reply()
        if reply is not None:
            return reply
        if loop.time() >= deadline:
            raise FirstAttemptBusy
        await asyncio.sleep(RETRY_REPLY_POLL_S)
