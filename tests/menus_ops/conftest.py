"""Fixtures for menu operations: a MenuStore on the test config, talking to the fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config.settings import Settings
from bot.effects.api_clients import official_account_clients
from bot.ops.menu_ops import MenuStore
from storage.cache import open_cache
from storage.database import SessionFactory
from tests.bot.effects.tag_sync_helpers import tagging_config
from tests.conftest import KEYWORDS_CSV, ConfigWriter

# The test table's click rules, plus one for the test drive.
KEYWORDS = KEYWORDS_CSV + "menu_drive,click,exact,MENU_DRIVE,预约试驾请回复手机号,,试驾意向,60,\n"


@pytest.fixture
def menu_settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    """The test config with the click rules and a tagging file that gives 高意向."""
    return write_config(keywords=KEYWORDS, extra=tagging_config(tmp_path))


@pytest.fixture
async def store(
    menu_settings: Settings, sessions: SessionFactory, redis_url: str
) -> AsyncIterator[MenuStore]:
    cache = open_cache(redis_url)
    try:
        async with aiohttp.ClientSession() as http:
            clients = official_account_clients(menu_settings, http, cache)
            yield MenuStore(menu_settings, sessions, cache, clients)
    finally:
        await cache.close()
