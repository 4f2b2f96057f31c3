"""Fixtures for the journeys: a WeCom corp in the fake, a manual clock, a world factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from bot.effects.journey_jobs import JourneyMessenger
from bot.metrics import Metrics
from bot.runtime.journeys import build_journeys
from fakewechat.state import FakeWeChat
from journeys.journeys_file import load_journeys
from storage.cache import MemoryCache
from storage.database import SessionFactory
from tests.conftest import ConfigWriter
from tests.journeys.world import ManualClock, World, outbox_worker
from tests.leads.conftest import AGENT_ID, CORP_ID, CORP_SECRET, LEADS_TOML, STAFF

WorldFactory = Callable[[str], Awaitable[World]]


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    fake_state.add_corp(CORP_ID, {AGENT_ID: CORP_SECRET}, members=STAFF)
    return fake_state


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def make_world(
    write_config: ConfigWriter,
    tmp_path: Path,
    sessions: SessionFactory,
    fake_state: FakeWeChat,
    clock: ManualClock,
) -> AsyncIterator[WorldFactory]:
    """Builds a world around the journeys file `text` (one per test)."""
    http = aiohttp.ClientSession()

    async def make(text: str) -> World:
        (tmp_path / "journeys.toml").write_text(text, encoding="utf-8")
        settings = write_config(extra=LEADS_TOML + '\n[journeys]\nfile = "journeys.toml"\n')
        assert settings.journeys.file is not None
        runtime = build_journeys(settings, load_journeys(settings.journeys.file), clock)
        metrics = Metrics()
        messenger = JourneyMessenger(settings, http, MemoryCache(), metrics, clock)
        worker = outbox_worker(sessions, messenger, clock)
        return World(settings, sessions, fake_state, clock, runtime, messenger, worker, metrics)

    try:
        yield make
    finally:
        await http.close()
