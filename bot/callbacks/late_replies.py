"""Handlers that overran the callback deadline finish in the background.

WeChat already got `success`, so their reply goes out through the
customer-service API (via the outbox). Their event was appended `held`; when
they end, its decision is filled in and the effects stage may apply it. If
the process dies first, the stage releases the event after a while with the
part of the decision stored at append time.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.context import Context
from handlers.customer_service import send_later
from handlers.messages import Inbound, ReplyValue
from storage.group_commit import GroupCommitWriter

log = logging.getLogger(__name__)


class LateReplies:
    """Keeps the background completions alive and lets shutdown wait for them."""

    def __init__(self, events: GroupCommitWriter) -> None:
        self._events = events
        self._tasks: set[asyncio.Task[None]] = set()

    def follow(self, handler: asyncio.Future[ReplyValue], msg: Inbound, ctx: Context) -> None:
        """Finish `msg` once its (already appended, held) handler ends."""
        task = asyncio.create_task(self._complete(handler, msg, ctx))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _complete(
        self, handler: asyncio.Future[ReplyValue], msg: Inbound, ctx: Context
    ) -> None:
        try:
            value = await handler
            await send_later(msg, ctx, value, sequence=0)
            await self._events.settle_late(msg.dedup_key, ctx.decision())
        except Exception:
            log.exception("late reply failed account=%s key=%s", msg.account, msg.dedup_key)

    async def drain(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
