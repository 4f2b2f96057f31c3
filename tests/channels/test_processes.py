"""Channels with `wxbot serve` as real processes: a welcome across a SIGKILL of its
sender, and a demo start whose first API calls find the server up."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.config.settings import Settings
from bot.testing.wecom_player import WeComPlayer
from fakewechat.state import FakeWeChat
from storage.channels.models import ChannelRow, WelcomeSend
from storage.channels.welcomes import EXPIRED_MID_CALL
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.models import OutboxJob
from tests.bot.processes import free_port, start_wxbot, stop, wait_healthy, with_port
from tests.leads.conftest import CORP_ID
from tests.leads.helpers import eventually

SEND_WELCOME = "/cgi-bin/externalcontact/send_welcome_msg"
WINDOW_S = 20.0


@pytest.fixture
async def sessions_of(leads_settings: Settings) -> AsyncIterator[SessionFactory]:
    """The bot processes' database, seen from the test."""
    engine = create_engine(leads_settings.storage.database_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


class Bots:
    """`wxbot serve` on one config and port, started again after each kill."""

    def __init__(self, config: Path, port: int, logs: Path) -> None:
        self.config, self.port, self.logs = config, port, logs
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, name: str) -> None:
        log = self.logs / f"{name}.log"
        self.process = start_wxbot("--config", str(self.config), "serve", log=log)
        await wait_healthy(f"{self.url}/healthz")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def bots(leads_settings: Settings, tmp_path: Path) -> Bots:
    port = free_port()
    return Bots(with_port(tmp_path / "config.toml", port), port, tmp_path)


async def _post(bots: Bots, wecom: WeComPlayer, xml: str) -> int:
    callback = wecom.callback(xml)
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{bots.url}/wecom/sales", params=callback.query, data=callback.body) as answer,
    ):
        return answer.status


async def _settled(sessions: SessionFactory) -> WelcomeSend:
    async def probe() -> WelcomeSend | None:
        async with sessions() as session:
            row = await session.scalar(select(WelcomeSend))
        return row if row is not None and row.status in ("sent", "missed") else None

    return await eventually(probe, timeout_s=WINDOW_S + 10)


async def _add_during_a_stalled_call(
    bots: Bots, fake: FakeWeChat, wecom: WeComPlayer, external: str
) -> float:
    """An add whose welcome call hangs at WeCom; the bot is killed during that call.
    When WeCom issued the code (epoch seconds)."""
    fake.add_external_contact(external, "王小明", ["lisi"])
    code = fake.issue_welcome_code(CORP_ID, "lisi", external)
    xml = wecom.contact_change("add_external_contact", "lisi", external, "spring_expo", code.code)
    assert await _post(bots, wecom, xml) == 200

    async def calling() -> bool:
        return bool(fake.calls_to(SEND_WELCOME))

    await eventually(calling)
    bots.kill()
    return code.issued_at


async def test_a_welcome_whose_sender_is_killed_mid_call_is_sent_once_by_the_next(
    bots: Bots, fake_state: FakeWeChat, wecom: WeComPlayer, sessions_of: SessionFactory
) -> None:
    await bots.start("first")
    try:
        # The call never gets through (it stalls, then fails): as if the network ate it.
        fake_state.inject(SEND_WELCOME, http_status=502, delay_s=WINDOW_S)
        issued = await _add_during_a_stalled_call(bots, fake_state, wecom, "wm_taken_over")
        await bots.start("second")  # takes the code over once the dead sender's lease ends
        record = await _settled(sessions_of)
    finally:
        if bots.process is not None:
            stop(bots.process)
    assert (record.status, record.attempts) == ("sent", 2)
    [welcome] = fake_state.welcomes
    assert welcome.external_userid == "wm_taken_over"
    assert welcome.at - issued < WINDOW_S
    assert len(fake_state.calls_to(SEND_WELCOME)) == 2


async def test_a_welcome_is_never_sent_again_after_its_window(
    bots: Bots, fake_state: FakeWeChat, wecom: WeComPlayer, sessions_of: SessionFactory
) -> None:
    await bots.start("first")
    try:
        # WeCom delivers, but its answer stalls: the bot dies not knowing it was sent.
        fake_state.inject(SEND_WELCOME, delay_s=WINDOW_S)
        issued = await _add_during_a_stalled_call(bots, fake_state, wecom, "wm_late")
        await asyncio.sleep(max(0.0, issued + WINDOW_S + 0.5 - time.time()))
        await bots.start("after-the-window")
        record = await _settled(sessions_of)
    finally:
        if bots.process is not None:
            stop(bots.process)
    assert (record.status, record.reason) == ("missed", EXPIRED_MID_CALL)
    assert len(fake_state.welcomes) == 1  # the one WeCom delivered before the kill
    assert len(fake_state.calls_to(SEND_WELCOME)) == 1  # and nothing after the window


async def test_a_demo_start_makes_its_codes_without_a_failed_call(
    leads_settings: Settings, tmp_path: Path, sessions_of: SessionFactory
) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    # The demo's shape: the fake API mounted in the bot itself, on the bot's own port.
    text = re.sub(r'api_base = ".*"', f'api_base = "http://127.0.0.1:{port}/_fake"',
                  config.read_text(encoding="utf-8"))  # fmt: skip
    demo = f'[server]\nport = {port}\nmount_fake_api = true\n[admin]\nseed_ops_password = "demo"\n'
    config.write_text(f"{text}\n{demo}", "utf-8")
    log = tmp_path / "demo.log"
    process = start_wxbot("--config", str(config), "serve", log=log)
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz")

        async def made() -> bool:
            async with sessions_of() as session:
                rows = list(await session.scalars(select(ChannelRow)))
                jobs = list(await session.scalars(select(OutboxJob.status)))
            codes = bool(rows) and all(
                (r.qr_ticket or not r.qr_account) and (r.way_config_id or not r.way_app)
                for r in rows
            )
            return codes and bool(jobs) and set(jobs) == {"done"}

        await eventually(made, timeout_s=20)
    finally:
        stop(process)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if "failed" in line or "will retry" in line], lines
