"""From an accepted callback to the reply XML: dedup, dispatch, store, render.

The order matters: a retry is recognised before any work; the handler runs
under a deadline so the answer always leaves before WeChat's 5 s; the event
and everything it caused are committed before the answer goes out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

from bot.callbacks.dedup import answer_once
from bot.callbacks.late_replies import LateReplies
from bot.callbacks.limits import HANDLER_BUDGET_S
from bot.callbacks.wechat_xml import render_reply
from bot.metrics import Metrics
from handlers.context import Context, HandlerDeps
from handlers.messages import Inbound, ReplyValue
from handlers.router import UNHANDLED, Router
from storage.evaluation import evaluation_job
from storage.group_commit import GroupCommitWriter
from storage.interactions import Effects

log = logging.getLogger(__name__)


class Dispatcher:
    """Processes accepted official-account messages; shared by every request of the app."""

    def __init__(
        self,
        *,
        router: Router,
        deps: HandlerDeps,
        events: GroupCommitWriter,
        late_replies: LateReplies,
        metrics: Metrics,
        on_stored: Callable[[], None],
    ) -> None:
        self._router = router
        self._deps = deps
        self._events = events
        self._late = late_replies
        self._metrics = metrics
        self._on_stored = on_stored

    async def process(self, msg: Inbound) -> str:
        """The plaintext reply XML for `msg` ("" for none); the same XML for its retries."""
        reply, fresh = await answer_once(
            self._deps.cache,
            msg.dedup_key,
            lambda: self._process_new(msg),
            lambda: self._events.stored_reply(msg.dedup_key),
        )
        if not fresh:
            self._metrics.callbacks.labels(msg.account, "retry").inc()
        return reply

    async def _process_new(self, msg: Inbound) -> str:
        ctx = Context(self._deps)
        value, finished = await self._dispatch_within_budget(msg, ctx)
        effects = ctx.effects() if finished else Effects()
        reply = render_reply(value, msg)
        stored = await self._events.record(
            msg.record(),
            replace(
                effects,
                jobs=(*effects.jobs, evaluation_job(msg.account, msg.dedup_key)),
                reply=reply,
            ),
        )
        if stored is None:
            # The cache had forgotten (restart, expiry) but the database remembers.
            self._metrics.callbacks.labels(msg.account, "retry").inc()
            return await self._events.stored_reply(msg.dedup_key) or ""
        self._on_stored()
        self._metrics.callbacks.labels(msg.account, "accepted").inc()
        if ctx.rule is not None:
            self._metrics.keyword_hits.labels(msg.account, ctx.rule).inc()
        return reply

    async def _dispatch_within_budget(self, msg: Inbound, ctx: Context) -> tuple[ReplyValue, bool]:
        """The handler's reply, or (None, False) when it overran and will reply later."""
        task = asyncio.ensure_future(self._dispatch(msg, ctx))
        try:
            return await asyncio.wait_for(asyncio.shield(task), HANDLER_BUDGET_S), True
        except TimeoutError:
            log.warning(
                "handler overran %.1fs account=%s key=%s; replying via customer service",
                HANDLER_BUDGET_S,
                msg.account,
                msg.dedup_key,
            )
            self._metrics.callbacks.labels(msg.account, "late").inc()
            self._late.follow(task, msg, ctx)
            return None, False

    async def _dispatch(self, msg: Inbound, ctx: Context) -> ReplyValue:
        try:
            result = await self._router.dispatch(msg, ctx)
        except Exception:
            # The follower still gets a safe answer (none); the event is still stored.
            log.exception("handler failed account=%s key=%s", msg.account, msg.dedup_key)
            self._metrics.callbacks.labels(msg.account, "handler_error").inc()
            return None
        return None if result is UNHANDLED else result
