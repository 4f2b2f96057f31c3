"""Answer each callback once: WeChat's and WeCom's retries get the first attempt's reply.

A `SET NX` mark in the cache claims the work; a retry that finds the mark
waits briefly for the first attempt's reply, which is stored with the event in
the database (one cache round trip per callback, not two). If the work fails
the mark is dropped, so the sender's next retry is processed afresh. The
database's unique key on the stored event stays the last word when the cache forgot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.callbacks.limits import (
    DEDUP_KEY,
    DEDUP_TTL_S,
    PENDING,
    RETRY_REPLY_POLL_S,
    RETRY_REPLY_WAIT_S,
)
from storage.cache import Cache

# The reply stored for a dedup key; None while the first attempt is still at work.
StoredReply = Callable[[], Awaitable[str | None]]


async def answer_once(
    cache: Cache, key: str, work: Callable[[], Awaitable[str]], stored_reply: StoredReply
) -> tuple[str, bool]:
    """(reply, True) after doing `work`; (the earlier reply or "", False) for a retry."""
    if not await cache.set_if_absent(f"{DEDUP_KEY}:{key}", PENDING, DEDUP_TTL_S):
        return await _reply_of_earlier_attempt(stored_reply), False
    try:
        return await work(), True
    except BaseException:
        # Not stored: forget the mark so the sender's retry is processed afresh.
        await cache.delete(f"{DEDUP_KEY}:{key}")
        raise


async def _reply_of_earlier_attempt(stored_reply: StoredReply) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_REPLY_WAIT_S
    while True:
        reply = await stored_reply()
        if reply is not None or loop.time() >= deadline:
            return reply or ""
        await asyncio.sleep(RETRY_REPLY_POLL_S)
