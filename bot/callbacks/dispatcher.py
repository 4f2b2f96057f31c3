"""From an accepted callback to the reply XML: dedup, dispatch, append, render.

The order matters: a retry is recognised before any work; the handler runs
under a deadline so the answer always leaves before WeChat's 5 s; the event,
with the reply and what the handler decided, is appended before the answer
goes out. Everything else it causes (profiles, tags, points, leads, API
calls) is applied behind the reply by the effects stage (`bot.effects.stage`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from bot.callbacks.dedup import answer_once
from bot.callbacks.late_replies import LateReplies
from bot.callbacks.limits import HANDLER_BUDGET_S
from bot.callbacks.wechat_xml import render_reply
from bot.metrics import LabelledChildren, Metrics
from bot.runtime.eager_start import start_eagerly
from handlers.context import Context, HandlerDeps
from handlers.messages import Inbound, ReplyValue
from handlers.router import UNHANDLED, Router
from storage.group_commit import Append, GroupCommitWriter

log = logging.getLogger(__name__)


class Dispatcher:
    """Processes accepted official-account messages; shared by every request of the app."""

    def __init__(
        self,
        *,
        router: Router[Context],
        deps: HandlerDeps,
        events: GroupCommitWriter,
        late_replies: LateReplies,
        metrics: Metrics,
        on_stored: Callable[[], None],
        budget_s: float = HANDLER_BUDGET_S,
    ) -> None:
        self._router = router
        self._deps = deps
        self._events = events
        self._late = late_replies
        self._outcomes = LabelledChildren(metrics.callbacks)
        self._hits = LabelledChildren(metrics.keyword_hits)
        self._on_stored = on_stored
        self._budget_s = budget_s
        # Dedup claims name their owner, so a failing attempt only drops its own.
        self._owner = uuid.uuid4().hex

    async def process(self, msg: Inbound) -> str:
        """The plaintext reply XML for `msg` ("" for none); the same XML for its retries."""
        reply, fresh = await answer_once(
            self._deps.cache,
            msg.dedup_key,
            lambda: self._process_new(msg),
            lambda: self._events.stored_reply(msg.dedup_key),
            self._owner,
        )
        if not fresh:
            self._outcomes(msg.account, "retry").inc()
        return reply

    async def _process_new(self, msg: Inbound) -> str:
        ctx = Context(self._deps)
        deadline = asyncio.get_running_loop().time() + self._budget_s
        task = start_eagerly(self._dispatch(msg, ctx))
        # A handler that never awaited is done already: no deadline to watch.
        value, finished = (
            (task.result(), True) if task.done() else await self._within_budget(task, msg, deadline)
        )
        reply = render_reply(value, msg)
        # An overrun handler's rule is already known: it is stored now, so the
        # hit counts as a hit; the rest of its decision follows when it ends.
        decision = ctx.decision(reply)
        stored = await self._events.append(Append(msg.record(), decision, held=not finished))
        if not stored:
            # The cache had forgotten (restart, expiry) but the database remembers.
            self._outcomes(msg.account, "retry").inc()
            return await self._events.stored_reply(msg.dedup_key) or ""
        if not finished:
            self._late.follow(task, msg, ctx)
        self._on_stored()
        self._outcomes(msg.account, "accepted").inc()
        if ctx.rule is not None:
            self._hits(msg.account, ctx.rule).inc()
        return reply

    async def _within_budget(
        self, task: asyncio.Future[ReplyValue], msg: Inbound, deadline: float
    ) -> tuple[ReplyValue, bool]:
        """The handler's reply, or (None, False) when it overran `deadline` (loop time) and
        will reply later."""
        # Not wait_for(shield(...)): the handler must outlive the deadline (it replies
        # late). Not asyncio.wait((task,), timeout) either: one future woken by the
        # handler or the deadline, whichever comes first, is the same wait without
        # wait()'s sets and per-future callbacks (3 to 7 µs a message less, measured).
        loop = asyncio.get_running_loop()
        woken = loop.create_future()

        def wake(_: object = None) -> None:
            if not woken.done():
                woken.set_result(None)

        timer = loop.call_at(deadline, wake)
        task.add_done_callback(wake)
        try:
            await woken
        finally:
            timer.cancel()
            task.remove_done_callback(wake)
        if task.done():
            return task.result(), True
        log.warning(
            "handler overran %.1fs account=%s key=%s; replying via customer service",
            self._budget_s,
            msg.account,
            msg.dedup_key,
        )
        self._outcomes(msg.account, "late").inc()
        return None, False

    async def _dispatch(self, msg: Inbound, ctx: Context) -> ReplyValue:
        try:
            result = await self._router.dispatch(msg, ctx)
        except Exception:
            # The follower still gets a safe answer (none); the event is still stored.
            log.exception("handler failed account=%s key=%s", msg.account, msg.dedup_key)
            self._outcomes(msg.account, "handler_error").inc()
            return None
        return None if result is UNHANDLED else result
