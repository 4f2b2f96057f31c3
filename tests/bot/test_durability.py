"""An accepted message survives the process being killed right after it answered."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.effects.limits import EFFECTS_LEASE_S
from bot.testing.wechat_player import WeChatPlayer
from storage.database import create_engine, create_session_factory
from storage.models import InboundEvent, OutboxJob
from storage.types import utc_now
from tests.bot.effects.stage_helpers import stage
from tests.conftest import ConfigWriter


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never became healthy")


async def test_message_is_stored_when_the_process_is_killed_after_answering(
    write_config: ConfigWriter, tmp_path: Path, player: WeChatPlayer
) -> None:
    settings = write_config()
    port = _free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f"\n[server]\nport = {port}\n", encoding="utf-8"
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
        [sys.executable, "-m", "bot", "--config", str(config), "serve"],
        env={**os.environ, "WXBOT_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_healthy(f"http://127.0.0.1:{port}/healthz")
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
