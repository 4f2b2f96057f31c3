"""The `channel.codes` job: a channel's QR code and contact way made, renewed, re-staffed.

Idempotent on purpose: it compares what the live table and the rota want now with
what the directory says WeCom and WeChat have, and makes the calls that close the gap.
So a publish, a shift boundary and a cap reached all queue the same job.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import configured, official_account_clients, wecom_clients
from bot.effects.jobs import JobHandler
from bot.effects.limits import CODES_LOCK_KEY, CODES_LOCK_TTL_S, CODES_LOCK_WAIT_S
from bot.errors import WxbotError
from bot.runtime.channels import LiveChannels
from channels.code_schedule import RENEW_BEFORE, skip_verify_now
from channels.jobs import CHANNEL_CODES, EnsureCodes
from channels.model import Channel, ContactWay, QrKind
from channels.rota import on_duty
from storage.cache import Cache
from storage.channels.directory import get_channel, record_qr, record_way
from storage.channels.models import ChannelRow
from storage.channels.tallies import adds_today
from storage.database import SessionFactory
from storage.team.members import ACTIVE, Member, read_team
from storage.types import utc_now

log = logging.getLogger(__name__)

_LOCK_POLL_S = 0.2


class ChannelBusy(WxbotError):
    """Another process is bringing the same channel's codes in line (retried shortly)."""


class ChannelCodes:
    """Carries out `channel.codes` jobs through the configured clients."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        cache: Cache,
        sessions: SessionFactory,
        channels: LiveChannels,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._oa = official_account_clients(settings, http, cache)
        self._wecom = wecom_clients(settings, http, cache)
        self._sessions = sessions
        self._cache = cache
        self._channels = channels
        self._clock = clock

    async def ensure(self, target: str, job: EnsureCodes) -> None:
        del target  # every channel job goes to "channels"; the channel names its clients
        # One job per channel at a time across processes: two at once would both see no
        # code yet and make two.
        async with self._channel_lock(job.key):
            await self._ensure(job)

    @asynccontextmanager
    async def _channel_lock(self, key: str) -> AsyncIterator[None]:
        lock, owner = CODES_LOCK_KEY.format(key=key), uuid.uuid4().hex
        waited = 0.0
        while not await self._cache.set_if_absent(lock, owner, CODES_LOCK_TTL_S):
            if waited >= CODES_LOCK_WAIT_S:
                raise ChannelBusy(f"channel {key}: another process is making its codes")
            await asyncio.sleep(_LOCK_POLL_S)
            waited += _LOCK_POLL_S
        try:
            yield
        finally:
            await self._cache.delete_if_equals(lock, owner)

    async def _ensure(self, job: EnsureCodes) -> None:
        channel = self._channels.table.get(job.key)
        async with self._sessions() as session:
            row = await get_channel(session, job.key)
            counts = await adds_today(session, job.key, self._clock())
            # Read at the job, not from this process's copy: a status change queues this
            # job in its own transaction, before any process has reloaded the team.
            team = await read_team(session)
        if channel is None or not channel.enabled or row is None:
            return
        if channel.qr is not None:
            await self._qr(channel, row)
        if channel.wecom is not None:
            await self._way(channel, channel.wecom, row, dict(counts), team)

    async def _qr(self, channel: Channel, row: ChannelRow) -> None:
        qr = channel.qr
        assert qr is not None  # noqa: S101 - checked by the caller
        now = self._clock()
        temporary = qr.kind is QrKind.TEMPORARY
        fresh = row.qr_ticket is not None and (
            not temporary
            or (row.qr_expires_at is not None and row.qr_expires_at - now > RENEW_BEFORE)
        )
        if fresh and (row.qr_expires_at is None) == (not temporary):
            return
        client = configured(self._oa, qr.account, CHANNEL_CODES.name)
        seconds = qr.expire_days * 86_400 if temporary else None
        made = await client.create_qrcode(channel.key, expire_seconds=seconds)
        until = now + timedelta(seconds=made.expire_seconds) if made.expire_seconds else None
        async with self._sessions.begin() as session:
            await record_qr(session, channel.key, ticket=made.ticket, url=made.url,
                            expires_at=until, at=now)  # fmt: skip
        if row.qr_ticket is not None:
            log.warning("channel %s: temporary QR code renewed (a new image): reprint it with"
                        " `wxbot channels qr %s`", channel.key, channel.key)  # fmt: skip

    async def _way(
        self,
        channel: Channel,
        way: ContactWay,
        row: ChannelRow,
        counts: dict[str, int],
        team: list[Member],
    ) -> None:
        now = self._clock()
        # Who may be on a code: the team at work (no team at all: anyone). Those on leave
        # or gone drop out of every rota.
        working = {member.userid for member in team if member.status == ACTIVE}
        gone = [p for p in way.rota.everyone() if team and p not in working]
        users = list(on_duty(way.rota, now, counts, unavailable=gone))
        if not users:
            log.warning("channel %s: nobody in its rota can take customers", channel.key)
            return
        client = configured(self._wecom, way.app, CHANNEL_CODES.name)
        skip = skip_verify_now(way, now)
        if row.way_config_id is None:
            made = await client.add_contact_way(users, channel.key, skip_verify=skip,
                                                remark=channel.name[:30])  # fmt: skip
            async with self._sessions.begin() as session:
                await record_way(session, channel.key, users=users, at=now,
                                 config_id=made.config_id, qr_url=made.qr_code)  # fmt: skip
            return
        await client.update_contact_way(row.way_config_id, users=users, skip_verify=skip)
        if "|".join(users) != (row.way_users or ""):
            log.info("channel %s: contact way staff now %s", channel.key, ", ".join(users))
        async with self._sessions.begin() as session:
            await record_way(session, channel.key, users=users, at=now)

    def handlers(self) -> list[JobHandler[EnsureCodes]]:
        return [JobHandler(CHANNEL_CODES, self.ensure)]
