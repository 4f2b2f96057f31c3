"""Small helpers for end-to-end callback tests."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app_keys import SESSIONS
from bot.testing.wechat_player import Callback, WeChatPlayer
from storage.models import InboundEvent, OutboxJob, Profile, ProfileTag
from storage.pending_events import effects_backlog
from storage.types import utc_now

BotClient = TestClient[web.Request, web.Application]


async def send(bot: BotClient, callback: Callback, account: str = "main") -> tuple[int, str]:
    response = await bot.post(f"/wechat/{account}", params=callback.query, data=callback.body)
    return response.status, await response.text()


async def exchange(
    bot: BotClient, player: WeChatPlayer, xml: str, *, aes: bool = False
) -> Mapping[str, str]:
    """Send one callback and return the reply's fields, checking it was accepted."""
    callback = player.callback(xml, aes=aes)
    status, answer = await send(bot, callback)
    assert status == 200, answer
    return player.read_reply(callback, answer)


async def stored_events(bot: BotClient) -> list[InboundEvent]:
    async with bot.app[SESSIONS]() as session:
        return list(await session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


async def effects_applied(bot: BotClient, timeout_s: float = 10.0) -> None:
    """Wait until the bot's effects stage has applied every stored event."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        async with bot.app[SESSIONS]() as session:
            waiting = await effects_backlog(session, utc_now())
        if not waiting.events:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"effects not applied within {timeout_s}s: {waiting}")
        await asyncio.sleep(0.02)


async def tags_of_all(bot: BotClient) -> list[tuple[str, str]]:
    await effects_applied(bot)
    async with bot.app[SESSIONS]() as session:
        rows = await session.execute(
            select(ProfileTag.tag, ProfileTag.source).order_by(ProfileTag.id)
        )
        return [(tag, source) for tag, source in rows]


async def total_score(bot: BotClient) -> int:
    await effects_applied(bot)
    async with bot.app[SESSIONS]() as session:
        return int(await session.scalar(select(func.coalesce(func.sum(Profile.score), 0))) or 0)


async def outbox_jobs(bot: BotClient) -> list[OutboxJob]:
    await effects_applied(bot)
    async with bot.app[SESSIONS]() as session:
        return list(await session.scalars(select(OutboxJob).order_by(OutboxJob.id)))
