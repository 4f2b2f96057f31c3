"""An accepted message survives the process being killed right after it answered."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.testing.wechat_player import Callback, WeChatPlayer
from storage.database import create_engine, create_session_factory
from storage.models import InboundEvent, OutboxJob
from tests.conftest import ConfigWriter
from tests.faults.load import Load, stored_counts


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
    try:
        async with create_session_factory(engine)() as db:
            events = list(await db.scalars(select(InboundEvent)))
            jobs = list(await db.scalars(select(OutboxJob.kind)))
    finally:
        await engine.dispose()
    assert [(e.openid, e.content, e.rule) for e in events] == [("o_killed", "我想试驾", "drive")]
    # The follow-up work was queued in the same transaction, so it survives too.
    assert "profile.evaluate" in jobs
    assert jobs.count("wechat.custom_send") == 2


async def test_a_process_killed_mid_load_loses_nothing_it_answered_and_restarts_clean(
    write_config: ConfigWriter, tmp_path: Path, player: WeChatPlayer
) -> None:
    settings = write_config()
    port = _free_port()
    config = tmp_path / "config.toml"
    # The in-process cache: with Redis, a claim left "pending" by the killed process
    # makes its retry wait and answer empty (the stale dedup mark of the hot-path issue).
    text = config.read_text(encoding="utf-8").replace(
        f'redis_url = "{settings.storage.redis_url}"', 'redis_url = ""'
    )
    config.write_text(text + f"\n[server]\nport = {port}\n", encoding="utf-8")
    url = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
            [sys.executable, "-m", "bot", "--config", str(config), "serve"],
            env={**os.environ, "WXBOT_LOG_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    process = start()
    try:
        await _wait_healthy(f"{url}/healthz")
        async with aiohttp.ClientSession() as session:

            async def send(callback: Callback) -> int:
                async with session.post(
                    f"{url}/wechat/main", params=callback.query, data=callback.body
                ) as response:
                    await response.read()
                    return response.status

            load = Load(player, send)
            running = asyncio.create_task(load.run())
            await asyncio.sleep(1.0)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            process = start()
            await _wait_healthy(f"{url}/healthz")
            await asyncio.sleep(1.0)
            load.stop()
            await asyncio.wait_for(running, 30)  # nothing hung
            # WeChat retries every callback that got no 200; each is answered now.
            retried = [await send(o.callback) for o in load.outcomes if o.status != 200]
    finally:
        process.kill()
        process.wait(timeout=10)
    assert any(o.status != 200 for o in load.outcomes), "the kill was not noticed"
    assert set(retried) == {200}
    engine = create_engine(settings.storage.database_url)
    try:
        counts = await stored_counts(create_session_factory(engine))
    finally:
        await engine.dispose()
    assert set(counts.values()) == {1}  # stored exactly once, first try or retry
    assert set(counts) == {o.msg_id for o in load.outcomes}  # and nothing lost
