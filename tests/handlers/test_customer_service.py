"""`reply_mode = all` and late replies go through the outbox within WeChat's windows."""

from __future__ import annotations

import asyncio
import random
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Background, create_app
from bot.callbacks.dispatcher import Dispatcher
from bot.callbacks.late_replies import LateReplies
from bot.metrics import Metrics
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from handlers.context import Context, HandlerDeps
from handlers.messages import Inbound
from handlers.router import HandlerResult, Router
from storage.cache import MemoryCache
from storage.database import SessionFactory
from storage.group_commit import GroupCommitWriter
from storage.models import InboundEvent, OutboxJob
from storage.types import utc_now
from tests.bot.effects.stage_helpers import apply_all
from tests.bot.helpers import BotClient, exchange, outbox_jobs
from tests.conftest import APP_ID, KEYWORDS_CSV, ClientFactory, ConfigWriter

CS_PATH = "/cgi-bin/message/custom/send"


async def _until(predicate: object, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def _sent_texts(state: FakeWeChat) -> list[str]:
    return [str(m.payload["text"]["content"]) for m in state.custom_messages]


async def test_reply_mode_all_sends_the_rest_through_customer_service(
    bot: BotClient, player: WeChatPlayer, fake_state: FakeWeChat
) -> None:
    fake_state.add_follower(APP_ID, "o_user")
    reply = await exchange(bot, player, player.text("o_user", "我想试驾"))
    assert reply["Content"] == "欢迎预约试驾"
    await _until(lambda: len(fake_state.custom_messages) == 2)
    assert _sent_texts(fake_state) == ["顾问稍后联系您", "试驾地址：星光路1号"]
    assert {m.openid for m in fake_state.custom_messages} == {"o_user"}


async def test_sends_beyond_the_window_are_recorded_as_skipped(
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> None:
    variants = "||".join(f"第{n}条" for n in range(8))
    keywords = KEYWORDS_CSV + f"many,click,exact,MENU_MANY,{variants},all,,,\n"
    bot = await aiohttp_client(create_app(write_config(keywords=keywords)))
    fake_state.add_follower(APP_ID, "o_user")
    reply = await exchange(bot, player, player.event("o_user", "CLICK", "MENU_MANY"))
    assert reply["Content"] == "第0条"
    await _until(lambda: len(fake_state.custom_messages) == 3)
    jobs = [j for j in await outbox_jobs(bot) if j.kind == "wechat.custom_send"]
    assert [j.status for j in jobs].count("skipped") == 4
    assert all("3 messages" in (j.last_error or "") for j in jobs if j.status == "skipped")


async def test_a_busy_api_is_retried_and_a_permanent_error_is_recorded(
    bot: BotClient, player: WeChatPlayer, fake_state: FakeWeChat
) -> None:
    fake_state.add_follower(APP_ID, "o_user")
    fake_state.inject(CS_PATH, errcode=-1, times=1)
    await exchange(bot, player, player.text("o_user", "我想试驾"))
    await _until(lambda: len(fake_state.custom_messages) == 2)
    fake_state.block_openid("o_gone", 45015)
    fake_state.add_follower(APP_ID, "o_gone")
    await exchange(bot, player, player.text("o_gone", "我想试驾"))

    async def failed() -> list[OutboxJob]:
        return [j for j in await outbox_jobs(bot) if j.status == "failed"]

    deadline = time.monotonic() + 15
    while len(await failed()) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    reasons = [j.last_error or "" for j in await failed()]
    assert len(reasons) == 2 and all("45015" in r for r in reasons)
    retried = [
        j for j in await outbox_jobs(bot) if j.kind == "wechat.custom_send" and j.attempts > 1
    ]
    assert retried and all(j.status == "done" for j in retried)


async def test_jobs_left_by_a_stopped_process_are_sent_after_restart(
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> None:
    settings = write_config()
    fake_state.add_follower(APP_ID, "o_user")
    stopped = await aiohttp_client(create_app(settings, background=Background.nothing()))
    await exchange(stopped, player, player.text("o_user", "我想试驾"))
    await stopped.close()
    assert fake_state.custom_messages == []
    await aiohttp_client(create_app(settings))
    await _until(lambda: len(fake_state.custom_messages) == 2)


async def test_a_handler_that_overruns_answers_success_and_replies_later(
    sessions: SessionFactory,
) -> None:
    router = Router[Context]("slow")
    release = asyncio.Event()

    @router.message("text")
    async def slow(msg: Inbound, ctx: Context) -> HandlerResult:
        await release.wait()
        return "迟到的回复"

    deps = HandlerDeps(
        cache=MemoryCache(),
        matcher_for=lambda _: None,  # type: ignore[arg-type,return-value]
        clock=utc_now,
        rng=random.Random(1),
    )
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    events = GroupCommitWriter(engine)
    late = LateReplies(events)
    dispatcher = Dispatcher(
        router=router,
        deps=deps,
        events=events,
        late_replies=late,
        metrics=Metrics(),
        on_stored=lambda: None,
        budget_s=0.2,
    )
    msg = Inbound(
        account="main",
        openid="o_user",
        to_user="gh",
        msg_type="text",
        create_time=int(time.time()),
        content="慢",
        msg_id=1,
    )
    started = time.monotonic()
    assert await dispatcher.process(msg) == ""
    assert time.monotonic() - started < 1.0
    async with sessions() as session:
        held = await session.scalar(select(InboundEvent.effects_state))
    assert held == "held"  # the stage waits for the rest of the decision
    release.set()
    await late.drain()
    await events.drain()
    assert await apply_all(sessions) == 1
    async with sessions() as session:
        jobs = list(
            await session.scalars(select(OutboxJob).where(OutboxJob.kind == "wechat.custom_send"))
        )
    assert [j.payload for j in jobs] == [
        '{"touser": "o_user", "msgtype": "text", "text": {"content": "迟到的回复"}}'
    ]
