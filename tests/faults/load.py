"""A load of distinct callbacks, sent concurrently, with each one's outcome and timing."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from sqlalchemy import func, select

from bot.testing.wechat_player import Callback, WeChatPlayer
from storage.database import SessionFactory
from storage.models import InboundEvent

Send = Callable[[Callback], Awaitable[int]]


@dataclass(frozen=True)
class Outcome:
    msg_id: int
    openid: str
    callback: Callback
    status: int
    started: float
    ended: float


class Load:
    """Senders posting text messages with distinct MsgIds until `stop()`."""

    def __init__(
        self, player: WeChatPlayer, send: Send, *, senders: int = 4, first_id: int = 1
    ) -> None:
        self._player = player
        self._send = send
        self._senders = senders
        self._ids = itertools.count(first_id)
        self._stop = asyncio.Event()
        self.outcomes: list[Outcome] = []

    async def run(self) -> None:
        await asyncio.gather(*(self._sender() for _ in range(self._senders)))

    def stop(self) -> None:
        self._stop.set()

    async def _sender(self) -> None:
        while not self._stop.is_set():
            msg_id = next(self._ids)
            openid = f"o_load_{msg_id % 10}"
            text = "我想试驾" if msg_id % 7 == 0 else "价格"
            callback = self._player.callback(self._player.text(openid, text, msg_id))
            started = time.monotonic()
            try:
                status = await asyncio.wait_for(self._send(callback), 10)
            except (TimeoutError, OSError, aiohttp.ClientError):
                status = 0  # no answer at all: WeChat would retry
            self.outcomes.append(
                Outcome(msg_id, openid, callback, status, started, time.monotonic())
            )
            if status != 200:
                await asyncio.sleep(0.05)  # a down service answers fast; do not spin

    def accepted(self) -> set[int]:
        return {o.msg_id for o in self.outcomes if o.status == 200}


async def stored_counts(sessions: SessionFactory) -> dict[int, int]:
    """How many stored events each MsgId has."""
    async with sessions() as session:
        rows = await session.execute(
            select(InboundEvent.msg_id, func.count()).group_by(InboundEvent.msg_id)
        )
        return {int(msg_id): int(count) for msg_id, count in rows if msg_id is not None}
