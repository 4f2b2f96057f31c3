"""The deadline lane: welcome messages out within their 20 seconds, once, or recorded missed.

Why a lane of its own: a welcome code dies 20 s after the add, and works once. The
effects stage applies events in batches behind whatever backlog there is (a wave of
new leads, a broadcast's replies), and the outbox runs jobs oldest first with backoff
up to minutes: either could hold a welcome past its window. So the WeCom edge queues
the code in the transaction that stores the add (`welcome_sends`, unique per code:
a retried callback queues nothing), wakes this lane in the same process, and the lane
sends soonest-deadline first, each send concurrently, nothing else in its way. Other
processes poll the queue every `POLL_S` and take over a code whose sender died.

Never late: a code is claimed only while its window lasts, and the call's timeout is
what is left of it. Never twice: the claim is a lease recorded before the call; WeCom
itself takes a code once (41051 after a delivery), so the one case we cannot tell
apart (a crash between WeCom's answer and our record) ends with one welcome, not two.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.effects.api_clients import wecom_clients
from bot.metrics import Metrics
from bot.runtime.channels import LiveChannels
from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.runtime.periodic import Periodic
from channels.limits import WELCOME_CODE_TTL_S
from channels.welcome import welcome_body
from storage.cache import Cache
from storage.channels import welcomes as sends
from storage.database import SessionFactory
from storage.types import utc_now
from wxapi.errors import ApiError
from wxapi.wecom import WeComClient

log = logging.getLogger(__name__)

POLL_S = 0.5
LEASE_S = 10.0
CLAIM_BATCH = 50
# Time kept for the answer to come back: a call started later than this before the
# deadline could reach WeCom after the code died.
SAFETY_S = 1.0
NAME_LOOKUP_S = 2.0
_USED, _BEING_SENT = 41051, 41096


class WelcomeLane:
    """Queues welcome codes at the edge and sends them, in every process."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        cache: Cache,
        sessions: SessionFactory,
        channels: LiveChannels,
        *,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = utc_now,
        poll_s: float = POLL_S,
    ) -> None:
        self._clients: Mapping[str, WeComClient] = wecom_clients(settings, http, cache)
        self._sessions = sessions
        self._channels = channels
        self._metrics = metrics
        self._clock = clock
        self._loop = Periodic("welcome-lane", self._round, poll_s)

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        self._loop.wake()

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def queue(
        self, session: AsyncSession, app: str, fields: Mapping[str, str], received_at: datetime
    ) -> bool:
        """In the edge's transaction: queue the add's WelcomeCode when it has a welcome."""
        code = fields.get("WelcomeCode", "")
        if fields.get("ChangeType") != "add_external_contact" or not code:
            return False  # no code: the two have chatted before, so no welcome (WeCom's rule)
        state = fields.get("State", "")
        table = self._channels.table
        if table.welcome_for(table.get(state)) is None:
            return False
        sent = int(fields.get("CreateTime", "0") or 0)
        issued = (
            min(received_at, datetime.fromtimestamp(sent, received_at.tzinfo))
            if sent
            else (received_at)
        )
        return await sends.queue_welcome(
            session, code=code, app=app, userid=fields.get("UserID", ""),
            external_userid=fields.get("ExternalUserID", ""), channel=state,
            received_at=received_at, deadline_at=issued + timedelta(seconds=WELCOME_CODE_TTL_S),
        )  # fmt: skip

    async def _round(self) -> bool:
        now = self._clock()
        await sends.expire_overdue(self._sessions, now)
        due = await sends.claim_due(self._sessions, now, LEASE_S, CLAIM_BATCH)
        if due:
            await asyncio.gather(*(self._send(item) for item in due))
        return len(due) == CLAIM_BATCH

    async def _send(self, item: sends.DueWelcome) -> None:
        left = (item.deadline_at - self._clock()).total_seconds() - SAFETY_S
        client = self._clients.get(item.app)
        table = self._channels.table
        welcome = table.welcome_for(table.get(item.channel))
        if left <= 0 or client is None or welcome is None:
            why = (sends.EXPIRED_UNSENT if left <= 0
                   else f"app {item.app!r} is no longer configured" if client is None
                   else "no welcome for this channel and no default")  # fmt: skip
            await self._settle(item, sends.MISSED, why)
            return
        name = await self._name(client, item.external_userid, min(NAME_LOOKUP_S, left / 2))
        left = (item.deadline_at - self._clock()).total_seconds() - SAFETY_S
        if left <= 0:
            await self._settle(item, sends.MISSED, "expired while looking the customer up")
            return
        try:
            body = welcome_body(welcome, self._clock(), name)
            await client.send_welcome_msg(item.welcome_code, body, timeout_s=left)
        except ApiError as error:
            await self._failed(item, error)
            return
        await self._settle(item, sends.SENT, None)

    async def _failed(self, item: sends.DueWelcome, error: ApiError) -> None:
        if error.errcode == _USED:
            who = ("another app, or an attempt of ours cut off before its answer was recorded"
                   if item.attempts > 1 else "another app")  # fmt: skip
            await self._settle(item, sends.MISSED, f"used: 41051, already delivered by {who}")
            return
        time_left = (item.deadline_at - self._clock()).total_seconds() > 2 * SAFETY_S
        if (error.retryable or error.errcode == _BEING_SENT) and time_left:
            log.warning("welcome %d: %s; trying again within its window", item.id, error)
            await sends.release(self._sessions, item.id)
            self.wake()
            return
        await self._settle(item, sends.MISSED, f"refused: {error.errcode} {error.errmsg}"[:500])

    async def _name(self, client: WeComClient, external_userid: str, timeout_s: float) -> str:
        """The customer's name for `{name}`; empty when WeCom does not say in time."""
        try:
            contact = await asyncio.wait_for(client.external_contact(external_userid), timeout_s)
        except (ApiError, TimeoutError) as error:
            log.info("welcome: no name for %s (%s)", external_userid, error)
            return ""
        details = contact.get("external_contact")
        return str(details.get("name", "")) if isinstance(details, dict) else ""

    async def _settle(self, item: sends.DueWelcome, status: str, reason: str | None) -> None:
        await sends.settle(self._sessions, item.id, status, reason, self._clock())
        if status == sends.MISSED:
            log.warning("welcome %d missed: %s", item.id, reason)
        else:
            log.info("welcome %d sent to %s", item.id, item.external_userid)
