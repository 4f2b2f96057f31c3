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
from typing import Any

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.effects.api_clients import configured, wecom_clients
from bot.effects.jobs import JobHandler
from leads.alerts import (
    digest_job,
    render_card,
    render_digest,
    render_handover_digest,
    render_textcard,
)
from leads.contacts import ContactLinker, OnArrival
from leads.jobs import (
    CONTACT_ADDED,
    HANDOVER_DIGEST,
    LEAD_ALERT,
    LEAD_DIGEST,
    WECOM_CARD_UPDATE,
    WECOM_TEXT,
    CardUpdate,
    ContactAdded,
    HandoverDigest,
    LeadAlert,
    LeadDigest,
    StaffText,
)
from leads.limits import ALERTS_PER_MINUTE, RATE_KEY, RATE_WINDOW_S
from leads.policy import LeadPolicy
from storage import leads_repo
from storage.cache import Cache
from storage.database import SessionFactory
from storage.jobs import JobKind, encode
from storage.lead_models import DeferredAlert
from storage.types import utc_now
from wxapi.errors import ApiError
from wxapi.wecom import WeComClient

log = logging.getLogger(__name__)

# Told of a new WeCom contact's profile in the linking transaction (the journeys).
OnContactAdded = Callable[[AsyncSession, int], Awaitable[None]]

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
        on_contact_added: OnContactAdded | None = None,
        on_arrival: OnArrival | None = None,
        policy: LeadPolicy | None = None,
    ) -> None:
        """`policy`: the live one (its team follows the table); default the settings'."""
        self._clients = wecom_clients(settings, http, cache)
        self._cache = cache
        self._sessions = sessions
        self._clock = clock
        policy = policy or settings.leads
        self._linker = (
            None
            if policy is None
            else ContactLinker(policy, utc_now, on_contact_added, on_arrival=on_arrival)
        )

    def _client(self, target: str, kind: JobKind[Any]) -> WeComClient:
        return configured(self._clients, target, kind.name)

    def handlers(self) -> list[JobHandler[Any]]:
        return [
            JobHandler(LEAD_ALERT, self.alert),
            JobHandler(LEAD_DIGEST, self.digest),
            JobHandler(HANDOVER_DIGEST, self.handover_digest),
            JobHandler(WECOM_TEXT, self.text),
            JobHandler(WECOM_CARD_UPDATE, self.update_card),
            JobHandler(CONTACT_ADDED, self.contact_added),
        ]

    async def alert(self, target: str, alert: LeadAlert) -> None:
        client = self._client(target, LEAD_ALERT)
        touser = alert.touser
        window = int(self._clock() // RATE_WINDOW_S)
        sent = await self._cache.incr(f"{RATE_KEY}:{target}:{touser}:{window}", 2 * RATE_WINDOW_S)
        # An urgent grade's alert goes at once: it is what the digest must not delay.
        if sent > ALERTS_PER_MINUTE and not alert.urgent:
            await self._hold_back(target, alert, window)
            return
        try:
            await client.send_message(render_card(alert))
        except ApiError as exc:
            if exc.retryable or exc.token_rejected or exc.errcode in _NO_FALLBACK:
                raise
            log.warning("template card refused (%s); sending a textcard instead", exc.errcode)
            await client.send_message(render_textcard(alert))
        log.info("lead alert %s sent to %s", alert.title, touser)

    async def handover_digest(self, target: str, digest: HandoverDigest) -> None:
        """One card for one hand-over's leads; resent after a crash, WeCom drops the copy."""
        client = self._client(target, HANDOVER_DIGEST)
        await client.send_message(render_handover_digest(digest))
        log.info("hand-over #%d digest sent to %s", digest.handover_id, digest.touser)

    async def _hold_back(self, target: str, alert: LeadAlert, window: int) -> None:
        title = " ".join(filter(None, [alert.title, alert.phone, alert.channel]))
        due = datetime.fromtimestamp((window + 1) * RATE_WINDOW_S, UTC)
        async with self._sessions.begin() as session:
            session.add(DeferredAlert(recipient=alert.touser, lead_id=alert.lead_id, title=title))
            job = digest_job(target, alert.touser, window)
            await leads_repo.schedule_job(session, job, due_at=due, now=utc_now())
        log.info("alert burst to %s: lead #%d held for the digest", alert.touser, alert.lead_id)

    async def digest(self, target: str, digest: LeadDigest) -> None:
        touser = digest.touser
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

    async def text(self, target: str, notice: StaffText) -> None:
        body = {"touser": notice.touser, "msgtype": "text", "text": {"content": notice.text}}
        await self._client(target, WECOM_TEXT).send_message(body)

    async def update_card(self, target: str, update: CardUpdate) -> None:
        await self._client(target, WECOM_CARD_UPDATE).update_template_card(encode(update))

    async def contact_added(self, target: str, added: ContactAdded) -> None:
        if self._linker is None:
            return
        external = added.external_userid
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
            await self._linker.added(session, added.userid, external, added.state, contact)


def lead_jobs(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    on_contact_added: OnContactAdded | None = None,
    *,
    on_arrival: OnArrival | None = None,
    policy: LeadPolicy | None = None,
) -> list[JobHandler[Any]]:
    """The leads feature's job kinds; none when no WeCom app is configured."""
    if not settings.wecom:
        return []
    messenger = LeadMessenger(
        settings,
        http,
        cache,
        sessions,
        on_contact_added=on_contact_added,
        on_arrival=on_arrival,
        policy=policy,
    )
    return messenger.handlers()
