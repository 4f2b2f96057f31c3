"""Driving the leads feature end to end: followers on the OA, staff in WeCom."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import select

from bot.app_keys import LEADS, OUTBOX_WORKER, SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from bot.testing.wecom_player import WeComPlayer
from fakewechat.records import WeComMessage
from fakewechat.state import FakeWeChat
from storage.lead_models import Lead, LeadEvent
from storage.models import OutboxJob
from tests.bot.helpers import BotClient, effects_applied, exchange

WAIT_S = 8.0
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout_s: float = WAIT_S) -> T:
    """Poll `probe` until it returns something truthy (the background worker is at work)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout_s}s")
        await asyncio.sleep(0.05)


class ShiftedClock:
    """Wall-clock time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def epoch(self) -> float:
        return time.time() + self.offset.total_seconds()

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class LeadsBot:
    """The bot app with leads configured, the fake API's state and a WeCom player."""

    client: BotClient
    fake: FakeWeChat
    wecom: WeComPlayer
    clock: ShiftedClock

    async def follower_says(self, player: WeChatPlayer, openid: str, text: str) -> None:
        await exchange(self.client, player, player.text(openid, text))

    async def staff_says(self, userid: str, text: str) -> str:
        """Send a staff text to the WeCom app; the decrypted passive reply's content."""
        callback = self.wecom.callback(self.wecom.text(userid, text))
        response = await self.client.post("/wecom/sales", params=callback.query, data=callback.body)
        assert response.status == 200, await response.text()
        return self.wecom.read_reply(await response.text()).get("Content", "")

    async def post(self, xml: str) -> tuple[int, str]:
        callback = self.wecom.callback(xml)
        response = await self.client.post("/wecom/sales", params=callback.query, data=callback.body)
        return response.status, await response.text()

    def alerts_to(self, userid: str) -> list[WeComMessage]:
        return [
            m
            for m in self.fake.wecom_messages
            if userid in m.touser and m.msgtype in ("template_card", "textcard")
        ]

    def texts_to(self, userid: str) -> list[str]:
        return [
            str(m.payload["text"]["content"])
            for m in self.fake.wecom_messages
            if userid in m.touser and m.msgtype == "text"
        ]

    async def wait_alert(self, userid: str, count: int = 1) -> list[WeComMessage]:
        async def probe() -> list[WeComMessage] | None:
            alerts = self.alerts_to(userid)
            return alerts if len(alerts) >= count else None

        return await eventually(probe)

    async def wait_idle(self) -> None:
        """Until every stored event is applied and the outbox has nothing pending."""

        async def probe() -> bool:
            await effects_applied(self.client)
            self.client.app[OUTBOX_WORKER].wake()
            async with self.client.app[SESSIONS]() as session:
                pending = await session.scalars(
                    select(OutboxJob.id).where(OutboxJob.status == "pending")
                )
                return not list(pending)

        await eventually(probe)

    async def leads(self) -> list[Lead]:
        async with self.client.app[SESSIONS]() as session:
            return list(await session.scalars(select(Lead).order_by(Lead.id)))

    async def lead(self, lead_id: int) -> Lead:
        async with self.client.app[SESSIONS]() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            return lead

    async def events(self, lead_id: int) -> list[tuple[str, str, str | None]]:
        """(kind, actor, owner) of the lead's timeline."""
        async with self.client.app[SESSIONS]() as session:
            rows = await session.scalars(
                select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
            )
            return [(e.kind, e.actor, e.owner) for e in rows]

    async def sweep(self) -> None:
        sweeper = self.client.app[LEADS].sweeper
        assert sweeper is not None
        await sweeper.run_once()
        await self.wait_idle()

    async def new_lead(self, player: WeChatPlayer, openid: str, text: str) -> Lead:
        """A follower leaves a phone; the lead once the evaluation has run."""
        before = len(await self.leads())
        await self.follower_says(player, openid, text)

        async def probe() -> list[Lead] | None:
            leads = await self.leads()
            return leads if len(leads) > before else None

        leads = await eventually(probe)
        await self.wait_idle()
        return leads[-1]
