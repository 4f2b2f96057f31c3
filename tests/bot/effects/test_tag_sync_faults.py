"""The tag-sync executors under a call that times out: retried with backoff, then done."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.config.settings import Settings
from bot.effects.jobs import registry
from bot.effects.outbox_worker import OutboxWorker
from bot.effects.tagging_jobs import tagging_jobs
from bot.metrics import Metrics
from fakewechat.state import FakeWeChat
from storage.cache import MemoryCache
from storage.database import SessionFactory
from storage.identities import resolve_profile
from storage.outbox import Outbox
from storage.profile_tags import add_tag
from storage.types import utc_now
from tagging.rules import RuleSet
from tagging.step import Tagging
from tagging.sync_jobs import OA_TAG_SYNC, oa_job
from tests.conftest import APP_ID, APP_SECRET
from tests.tagging.events import Clock
from wxapi.credentials import OfficialAccountCredentials
from wxapi.official_account import OfficialAccountClient


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_a_timed_out_batch_is_retried_after_its_backoff(
    settings: Settings,
    sessions: SessionFactory,
    fake_state: FakeWeChat,
    fake_api: str,
    http: aiohttp.ClientSession,
) -> None:
    clock = Clock()
    cache = MemoryCache()
    credentials = OfficialAccountCredentials(APP_ID, APP_SECRET)
    client = OfficialAccountClient(http, cache, credentials, api_base=fake_api, timeout_s=0.3)
    tagging = Tagging(RuleSet(), clock)
    executors = registry(
        tagging_jobs(settings, http, cache, sessions, tagging=tagging, oa_clients={"main": client})
    )
    outbox = Outbox(sessions, clock)
    worker = OutboxWorker(outbox, executors, Metrics())
    fake_state.add_follower(APP_ID, "o_fan")
    async with sessions.begin() as session:
        profile_id = await resolve_profile(session, "openid", "main", "o_fan", utc_now())
        await add_tag(session, profile_id, "询价", category="behavior", source="t", at=clock())
    await outbox.enqueue([oa_job("main", ["o_fan"], ["询价"], [])])
    # Stalled past the client's timeout and then refused: the first attempt set nothing.
    fake_state.inject("/cgi-bin/tags/members/batchtagging", delay_s=1.0, http_status=504)

    assert await worker.run_once() == 1
    assert fake_state.followers[(APP_ID, "o_fan")].tag_ids == []
    assert await worker.run_once() == 0  # backing off
    clock.advance(seconds=3)
    assert await worker.run_once() == 1
    assert fake_state.followers[(APP_ID, "o_fan")].tag_ids != []
    assert await outbox.counts() == {"done": 1}
    assert OA_TAG_SYNC.name in executors
