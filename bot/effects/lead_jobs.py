"""Outbox executors of the leads feature: alert cards, digests, notices, card updates.

Alerts to one salesperson are counted per minute (WeCom silently drops app
messages past 30 a minute to one member). Past `ALERTS_PER_MINUTE` an alert
is held back in the database and one digest per person and minute sends
everything held back, so a burst is merged rather than lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.effects.api_clients import configured, wecom_clients
from bot.effects.outbox_worker import Executor
from leads.alerts import digest_job, render_card, render_digest, render_textcard
from leads.contacts import ContactLinker
from leads.limits import (
    ALERTS_PER_MINUTE,
    CONTACT_ADDED,
    LEAD_ALERT,
    LEAD_DIGEST,
    RATE_KEY,
    RATE_WINDOW_S,
    WECOM_CARD_UPDATE,
    WECOM_TEXT,
)
from storage import leads_repo
from storage.cache import Cache
from storage.database import SessionFactory
from storage.lead_models import DeferredAlert
from storage.types import utc_now
from wxapi.errors import ApiError
from wxapi.wecom import WeComClient

log = logging.getLogger(__name__)

# Told of a new WeCom contact's profile in the linking transaction (the journeys).
ContactAdded = Callable[[AsyncSession, int], Awaitable[None]]

# Permanent errors a textcard cannot avoid either: nobody valid to send to.
_NO_FALLBACK = frozenset({81013})


class LeadMessenger:
    """Sends what the leads feature queued, through the WeCom app named by each job."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        cache: Cache,
        sessions: SessionFactory,
        clock: Callable[[], float] = time.time,
        *,
        on_contact_added: ContactAdded | None = None,
    ) -> None:
        self._clients = wecom_clients(settings, http, cache)
        self._cache = cache
        self._sessions = sessions
        self._clock = clock
        policy = settings.leads
        self._linker = None if policy is None else ContactLinker(policy, utc_now, on_contact_added)

    def _client(self, target: str, kind: str) -> WeComClient:
        return configured(self._clients, target, kind)

    def executors(self) -> dict[str, Executor]:
        return {
            LEAD_ALERT: self.alert,
            LEAD_DIGEST: self.digest,
            WECOM_TEXT: self.text,
            WECOM_CARD_UPDATE: self.update_card,
            CONTACT_ADDED: self.contact_added,
        }

    async def alert(self, target: str, payload: dict[str, object]) -> None:
        client = self._client(target, LEAD_ALERT)
        touser = str(payload["touser"])
        window = int(self._clock() // RATE_WINDOW_S)
        sent = await self._cache.incr(f"{RATE_KEY}:{target}:{touser}:{window}", 2 * RATE_WINDOW_S)
        # An urgent grade's alert goes at once: it is what the digest must not delay.
        if sent > ALERTS_PER_MINUTE and not payload.get("urgent"):
            await self._hold_back(target, touser, payload, window)
            return
        try:
            await client.send_message(render_card(payload))
        except ApiError as exc:
            if exc.retryable or exc.token_rejected or exc.errcode in _NO_FALLBACK:
                raise
            log.warning("template card refused (%s); sending a textcard instead", exc.errcode)
            await client.send_message(render_textcard(payload))
        log.info("lead alert %s sent to %s", payload["title"], touser)

    async def _hold_back(
        self, target: str, touser: str, payload: dict[str, object], window: int
    ) -> None:
        fields = payload.get("fields")
        facts = {str(k): str(v) for k, v in fields} if isinstance(fields, list) else {}
        title = " ".join([str(payload["title"]), facts.get("电话", ""), facts.get("渠道", "")])
        due = datetime.fromtimestamp((window + 1) * RATE_WINDOW_S, UTC)
        async with self._sessions.begin() as session:
            session.add(
                DeferredAlert(
                    recipient=touser, lead_id=int(str(payload["lead_id"])), title=title.strip()
                )
            )
            await leads_repo.schedule_job(session, digest_job(target, touser, window), due)
        log.info("alert burst to %s: lead #%s held for the digest", touser, payload["lead_id"])

    async def digest(self, target: str, payload: dict[str, object]) -> None:
        touser = str(payload["touser"])
        async with self._sessions() as session:
            held = list(
                await session.scalars(
                    select(DeferredAlert)
                    .where(DeferredAlert.recipient == touser, DeferredAlert.sent_at.is_(None))
                    .order_by(DeferredAlert.id)
                )
            )
        if not held:
            return
        await self._client(target, LEAD_DIGEST).send_message(
            render_digest(touser, [alert.title for alert in held])
        )
        async with self._sessions.begin() as session:
            await session.execute(
                update(DeferredAlert)
                .where(DeferredAlert.id.in_([alert.id for alert in held]))
                .values(sent_at=utc_now())
            )

    async def text(self, target: str, payload: dict[str, object]) -> None:
        body = {
            "touser": str(payload["touser"]),
            "msgtype": "text",
            "text": {"content": str(payload["text"])},
        }
        await self._client(target, WECOM_TEXT).send_message(body)

    async def update_card(self, target: str, payload: dict[str, object]) -> None:
        await self._client(target, WECOM_CARD_UPDATE).update_template_card(payload)

    async def contact_added(self, target: str, payload: dict[str, object]) -> None:
        if self._linker is None:
            return
        external = str(payload["external_userid"])
        try:
            contact = await self._client(target, CONTACT_ADDED).external_contact(external)
        except ApiError as exc:
            if exc.retryable or exc.token_rejected:
                raise
            log.warning(
                "externalcontact/get refused %s (%s): linking without unionid",
                external,
                exc.errcode,
            )
            contact = {}
        async with self._sessions.begin() as session:
            await self._linker.added(
                session, str(payload["userid"]), external, str(payload["state"]), contact
            )


def lead_executors(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    on_contact_added: ContactAdded | None = None,
) -> dict[str, Executor]:
    """The leads feature's job kinds; none when no WeCom app is configured."""
    if not settings.wecom:
        return {}
    messenger = LeadMessenger(settings, http, cache, sessions, on_contact_added=on_contact_added)
    return messenger.executors()
