"""A channel's "tagged" counts behaviour, not what arriving gave: with value tiers in the
tagging rules, the points of a follow through a code reach a tier without counting."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app_keys import SESSIONS
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from storage.channels.tallies import totals
from storage.local_days import local_day
from storage.types import utc_now
from tests.bot.helpers import exchange
from tests.channels.conftest import CHANNELS_TOML, DEMO_CHANNELS
from tests.conftest import ConfigWriter
from tests.leads.conftest import LEADS_TOML
from tests.leads.helpers import LeadsBot

TIERS = """
[[tier]]
name = "value"
metric = "points"
within_days = 30
levels = [{ at_least = 10, tag = "中价值" }]
otherwise = "低价值"
category = "value"
"""


@pytest.fixture
def leads_settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    shutil.copyfile(DEMO_CHANNELS, tmp_path / "channels.toml")
    (tmp_path / "tagging.toml").write_text(TIERS, encoding="utf-8")
    tagging = '\n[tagging]\nrules = "tagging.toml"\n'
    return write_config(extra=LEADS_TOML + CHANNELS_TOML + tagging)


async def _tagged(bot: LeadsBot, channel: str) -> int:
    async with bot.client.app[SESSIONS]() as session:
        [(_, _, counts)] = await totals(session, local_day(utc_now()), channel)
    return counts["tagged"]


async def test_a_tier_reached_by_arriving_is_not_tagged_and_a_keyword_tag_is(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    # store_xuhui gives 10 points: enough for 中价值, a value tier, not behaviour.
    await exchange(leads_bot.client, player, player.event("o_tier", "SCAN", "store_xuhui"))
    await leads_bot.wait_idle()
    assert await _tagged(leads_bot, "store_xuhui") == 0
    await leads_bot.follower_says(player, "o_tier", "价格多少")  # 询价: behaviour
    await leads_bot.wait_idle()
    assert await _tagged(leads_bot, "store_xuhui") == 1
