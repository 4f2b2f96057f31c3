"""Fixtures: the leads feature's corp, clock and bot; for the transfers, the fake corp on
its own clock, served on loopback, and the transfer world."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from fakewechat import FakeClock, FakeWeChat, create_fake_app
from storage.database import SessionFactory
from tests.leads.conftest import clock, fake_state, leads_bot, leads_settings, wecom
from tests.team.transfer_world import TransferWorld, build_world, fake_world, wecom_client


@pytest.fixture
def fake_clock() -> FakeClock:
    # Near the wall clock: the outbox's due times and the fake's answers share it.
    return FakeClock(float(int(time.time())))


@pytest.fixture
def corp(fake_clock: FakeClock) -> FakeWeChat:
    return fake_world(fake_clock)


@pytest.fixture
async def corp_api(
    corp: FakeWeChat, aiohttp_server: Callable[[web.Application], Awaitable[TestServer]]
) -> str:
    server = await aiohttp_server(create_fake_app(corp))
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def world(
    corp: FakeWeChat,
    fake_clock: FakeClock,
    sessions: SessionFactory,
    http: aiohttp.ClientSession,
    corp_api: str,
) -> TransferWorld:
    return build_world(corp, fake_clock, sessions, wecom_client(http, corp_api))


__all__ = ["clock", "fake_state", "leads_bot", "leads_settings", "wecom"]
