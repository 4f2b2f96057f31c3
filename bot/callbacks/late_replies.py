"""Handlers that overran the callback deadline finish in the background.

WeChat already got `success`, so their reply goes out through the
customer-service API (via the outbox) and their effects are stored when they end.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.context import Context
from handlers.customer_service import send_later
from handlers.messages import Inbound, ReplyValue
from storage.database import SessionFactory
from storage.event_log import record_late_effects

log = logging.getLogger(__name__)


class LateReplies:
    """Keeps the background completions alive and lets shutdown wait for them."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._tasks: set[asyncio.Task[None]] = set()

    def follow(self, handler: asyncio.Future[ReplyValue], msg: Inbound, ctx: Context) -> None:
        task = asyncio.create_task(self._complete(handler, msg, ctx))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _complete(
        self, handler: asyncio.Future[ReplyValue], msg: Inbound, ctx: Context
    ) -> None:
        try:
            value = await handler
            await send_later(msg, ctx, value, sequence=0)
            await record_late_effects(self._sessions, msg.record(), ctx.effects())
        except Exception:
            log.exception("late reply failed account=%s key=%s", msg.account, msg.dedup_key)

    async def drain(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
