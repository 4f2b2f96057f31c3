"""Fixtures: the fake served on loopback and a raw HTTP client to poke it."""

from __future__ import annotations

import pytest
from pytest_aiohttp import AiohttpClient

from fakewechat import FakeClock, FakeWeChat, create_fake_app
from tests.fakewechat.calls import FakeClient
from tests.fakewechat.world import build_world


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> FakeWeChat:
    return build_world(clock)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, state: FakeWeChat) -> FakeClient:
    return await aiohttp_client(create_fake_app(state))
