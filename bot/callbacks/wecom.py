"""The WeCom app callback route: `GET|POST /wecom/{name}`.

The same edge as the official account's (`bot.callbacks.official_account`): signature,
timestamp, size and XML checks from `bot.callbacks.checks`, then decrypt
(receive id = corp id), dedup (`bot.callbacks.dedup` + a unique key in the database),
dispatch through the staff router (`handlers.staff`) under a deadline,
encrypted passive reply. WeCom differs in two ways: the URL check's `echostr`
is encrypted and answered as plaintext, and every message is encrypted.

Staff commands run in the transaction that stores their event, so a retry can
never run a command twice; card clicks and contact changes are stored
`pending` and applied by the effects stage after the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiohttp import web
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks.checks import check_timestamp, decrypt_envelope, decrypt_signed, read_limited
from bot.callbacks.crypto import CallbackCrypto
from bot.callbacks.dedup import answer_once
from bot.callbacks.limits import HANDLER_BUDGET_S
from bot.callbacks.replay import refuse_replayed_nonce
from bot.callbacks.wechat_xml import MalformedXml, parse_envelope, render_reply, to_inbound
from bot.config.settings import WeComApp
from bot.errors import CallbackRejected
from bot.metrics import Metrics
from handlers.messages import Inbound
from handlers.router import UNHANDLED, Router
from handlers.staff import StaffContext
from leads.staff_chat import StaffCommandRunner
from storage.cache import Cache
from storage.database import SessionFactory
from storage.lead_models import WeComEvent
from storage.pending_events import APPLIED, PENDING
from storage.records import fit_dedup_key
from storage.replies import stored_reply
from storage.types import utc_now
from storage.upsert import insert_unless_exists

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeComEndpoint:
    """One configured WeCom app's callback keys."""

    app: WeComApp
    crypto: CallbackCrypto

    @classmethod
    def of(cls, app: WeComApp) -> WeComEndpoint:
        crypto = CallbackCrypto(app.token.reveal(), [app.encoding_aes_key.reveal()], app.corp_id)
        return cls(app, crypto)


def wecom_dedup_key(msg: Inbound) -> str:
    """Messages by sender + MsgId; events by sender, time and what changed.

    Contact changes all come from `sys`, so the customer and staff ids are part
    of the key: two customers added in the same second stay two events.
    """
    if msg.msg_id:
        return f"wecom:{msg.account}:m:{msg.openid}:{msg.msg_id}"
    fields = msg.fields
    parts = (
        fields.get(name, "") for name in ("EventKey", "ChangeType", "UserID", "ExternalUserID")
    )
    return fit_dedup_key(
        f"wecom:{msg.account}:e:{msg.openid}:{msg.create_time}:{msg.event}:{':'.join(parts)}"
    )


# Label values of wxbot_wecom_callbacks_total; anything else is "other" (bounded labels).
KNOWN_TYPES = frozenset(
    {
        "text", "image", "voice", "video", "location", "link", "file",
        "template_card_event", "enter_agent", "click", "view",
        "add_external_contact", "edit_external_contact", "del_external_contact",
        "del_follow_user", "add_half_external_contact", "transfer_fail",
    }
)  # fmt: skip


def callback_type(msg: Inbound) -> str:
    """A message's type, an event's name, or a contact change's ChangeType."""
    kind = msg.fields.get("ChangeType") or msg.event or msg.msg_type
    return kind if kind in KNOWN_TYPES else "other"


class DeadlineWork(Protocol):
    """Work with a hard deadline queued with the event that starts it (the welcome lane)."""

    async def queue(
        self, session: AsyncSession, app: str, fields: Mapping[str, str], received_at: datetime
    ) -> bool: ...

    def wake(self) -> None: ...


class WeComCallbacks:
    """The request handler for every configured WeCom app."""

    def __init__(
        self,
        endpoints: Mapping[str, WeComEndpoint],
        *,
        router: Router[StaffContext],
        commands: StaffCommandRunner | None,
        sessions: SessionFactory,
        cache: Cache,
        metrics: Metrics,
        on_stored: Callable[[], None],
        clock: Callable[[], float] = time.time,
        budget_s: float = HANDLER_BUDGET_S,
        deadline_work: DeadlineWork | None = None,
    ) -> None:
        self._endpoints = endpoints
        # Queued in the transaction that stores the event, so a retry queues nothing.
        self._deadline_work = deadline_work
        self._router = router
        self._commands = commands
        self._sessions = sessions
        self._cache = cache
        self._metrics = metrics
        self._on_stored = on_stored
        self._clock = clock
        self._budget_s = budget_s
        self._owner = uuid.uuid4().hex

    async def handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoints.get(request.match_info["name"])
        if endpoint is None:
            raise web.HTTPNotFound(text="unknown WeCom app")
        query = request.query
        started = time.perf_counter()
        try:
            check_timestamp(query.get("timestamp", ""), self._clock())
            if request.method == "GET":
                # base64 has no spaces: a "+" that arrived unescaped decoded to one.
                echostr = query.get("echostr", "").replace(" ", "+")
                return web.Response(text=decrypt_signed(endpoint.crypto, query, echostr))
            body = await read_limited(request)
            msg = _inbound(endpoint, query, body)
            # After the signature check (in `_inbound`), so an unsigned request
            # cannot claim a nonce ahead of WeCom. An identical resend is a retry.
            await refuse_replayed_nonce(
                self._cache,
                f"wecom:{endpoint.app.name}",
                query["timestamp"],
                query.get("nonce", ""),
                body,
            )
            self._metrics.wecom_callbacks.labels(endpoint.app.name, callback_type(msg)).inc()
            key = wecom_dedup_key(msg)
            reply, fresh = await answer_once(
                self._cache,
                key,
                lambda: self._process(msg, key),
                lambda: self._stored_reply(key),
                self._owner,
            )
        except CallbackRejected as exc:
            log.warning(
                "wecom callback refused app=%s status=%d reason=%s",
                endpoint.app.name,
                exc.status,
                exc.reason,
            )
            self._metrics.rejections.labels(str(exc.status)).inc()
            return web.Response(status=exc.status, text=exc.reason)
        finally:
            self._metrics.callback_seconds.observe(time.perf_counter() - started)
        self._metrics.callbacks.labels(msg.account, "accepted" if fresh else "retry").inc()
        if not reply:
            return web.Response(text="")
        encrypted = endpoint.crypto.encrypt_reply(reply, query.get("nonce", ""), query["timestamp"])
        return web.Response(text=encrypted, content_type="application/xml")

    async def _process(self, msg: Inbound, key: str) -> str:
        """Store the callback and run its handler in one transaction; the reply XML or ""."""
        deadline = False
        async with self._sessions.begin() as session:
            stored = await insert_unless_exists(
                session,
                WeComEvent,
                {
                    "dedup_key": key,
                    "app": msg.account,
                    "from_user": msg.openid,
                    "msg_type": msg.msg_type,
                    "event": msg.fields.get("ChangeType") or msg.event,
                    "detail": json.dumps(dict(msg.fields), ensure_ascii=False),
                    "received_at": utc_now(),
                    "effects_state": APPLIED,
                },
                ("dedup_key",),
            )
            if stored is None:
                # The cache forgot, the database remembers: a retry.
                return await stored_reply(session, WeComEvent, key) or ""
            if self._deadline_work is not None:
                deadline = await self._deadline_work.queue(
                    session, msg.account, msg.fields, utc_now()
                )
            ctx = StaffContext(session, self._commands)
            try:
                value = await asyncio.wait_for(self._router.dispatch(msg, ctx), self._budget_s)
            except TimeoutError:
                # Rolled back: nothing ran, and WeCom's retry runs the command afresh.
                self._metrics.callbacks.labels(msg.account, "late").inc()
                raise CallbackRejected(503, "the command overran its deadline; retry") from None
            text = None if value is UNHANDLED else value
            reply = render_reply(text, msg) if text else ""
            await session.execute(
                update(WeComEvent)
                .where(WeComEvent.id == stored)
                .values(reply=reply, effects_state=PENDING if ctx.apply_later else APPLIED)
            )
        if deadline and self._deadline_work is not None:
            self._deadline_work.wake()
        if ctx.apply_later:
            self._on_stored()
        return reply

    async def _stored_reply(self, dedup_key: str) -> str | None:
        async with self._sessions() as session:
            return await stored_reply(session, WeComEvent, dedup_key)


def _inbound(endpoint: WeComEndpoint, query: Mapping[str, str], body: bytes) -> Inbound:
    try:
        xml = decrypt_envelope(endpoint.crypto, query, parse_envelope(body))
        return to_inbound(endpoint.app.name, xml)
    except (MalformedXml, UnicodeDecodeError) as exc:
        raise CallbackRejected(400, str(exc)) from None
