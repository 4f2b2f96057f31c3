"""An accepted message survives the process being killed right after it answered."""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.effects.limits import EFFECTS_LEASE_S
from bot.testing.wechat_player import Callback, WeChatPlayer
from storage.database import create_engine, create_session_factory
from storage.models import InboundEvent, OutboxJob
from storage.types import utc_now
from tests.bot.effects.stage_helpers import stage
from tests.bot.processes import free_port, start_wxbot, wait_healthy, with_port
from tests.conftest import ConfigWriter
from tests.faults.load import Load, stored_counts


async def test_message_is_stored_when_the_process_is_killed_after_answering(
    write_config: ConfigWriter, tmp_path: Path, player: WeChatPlayer
) -> None:
    settings = write_config()
    port = free_port()
    config = with_port(tmp_path / "config.toml", port)
    process = start_wxbot("--config", str(config), "serve")
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz")
        callback = player.callback(player.text("o_killed", "我想试驾"), aes=True)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/wechat/main", params=callback.query, data=callback.body
            ) as response,
        ):
            answer = await response.text()
            process.send_signal(signal.SIGKILL)
        assert response.status == 200
        assert player.read_reply(callback, answer)["Content"] == "欢迎预约试驾"
    finally:
        process.kill()
        process.wait(timeout=10)
    engine = create_engine(settings.storage.database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as db:
            events = list(await db.scalars(select(InboundEvent)))
        assert [(e.openid, e.content, e.rule) for e in events] == [
            ("o_killed", "我想试驾", "drive")
        ]
        # Whether or not the killed process applied it, applying again changes nothing
        # twice: the decision travelled with the event, the effects happen once.
        # The killed consumer's leases run out first: this is the next consumer, later.
        later = utc_now() + timedelta(seconds=EFFECTS_LEASE_S + 1)
        consumer = stage(sessions, clock=lambda: later)
        await consumer.drain()
        await consumer.stop()
        async with sessions() as db:
            jobs = list(await db.scalars(select(OutboxJob.kind)))
            states = list(await db.scalars(select(InboundEvent.effects_state)))
    finally:
        await engine.dispose()
    assert states == ["applied"]
    assert jobs.count("wechat.custom_send") == 2


async def test_a_process_killed_mid_load_loses_nothing_it_answered_and_restarts_clean(
    write_config: ConfigWriter, tmp_path: Path, player: WeChatPlayer
) -> None:
    settings = write_config()
    port = free_port()
    config = with_port(tmp_path / "config.toml", port)
    url = f"http://127.0.0.1:{port}"
    process = start_wxbot("--config", str(config), "serve")
    try:
        await wait_healthy(f"{url}/healthz")
        async with aiohttp.ClientSession() as session:

            async def send(callback: Callback) -> int:
                async with session.post(
                    f"{url}/wechat/main", params=callback.query, data=callback.body
                ) as response:
                    await response.read()
                    return response.status

            async def retry_until_answered(callback: Callback) -> int:
                # As WeChat does: a callback without a 200 is sent again. A claim the
                # killed process left is refused (503) until its lease runs out.
                for _ in range(30):
                    if (status := await send(callback)) == 200:
                        return status
                    await asyncio.sleep(0.5)
                return status

            load = Load(player, send)
            running = asyncio.create_task(load.run())
            await asyncio.sleep(1.0)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            process = start_wxbot("--config", str(config), "serve")
            await wait_healthy(f"{url}/healthz")
            await asyncio.sleep(1.0)
            load.stop()
            await asyncio.wait_for(running, 30)  # nothing hung
            retried = [
                await retry_until_answered(o.callback) for o in load.outcomes if o.status != 200
            ]
    finally:
        process.kill()
        process.wait(timeout=10)
    assert any(o.status != 200 for o in load.outcomes), "the kill was not noticed"
    assert set(retried) <= {200}
    engine = create_engine(settings.storage.database_url)
    try:
        counts = await stored_counts(create_session_factory(engine))
    finally:
        await engine.dispose()
    assert set(counts.values()) == {1}  # stored exactly once, first try or retry
    assert set(counts) == {o.msg_id for o in load.outcomes}  # and nothing lost
