"""The channel table's history on the admin site: every version with who, when, what
and why in the reader's language, the live one marked, and ops' rollback through the
CLI's own `ChannelStore.rollback` (a new version, audited, live in every process)."""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app_keys import CACHE, CHANNELS, SESSIONS, SETTINGS
from bot.config.settings import Settings
from bot.ops.channel_ops import ChannelStore
from bot.runtime.channels import KIND, SCOPE
from storage.admin_models import AdminAudit
from storage.tables.versions import NewVersion, live_version, publish_version
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.channels.conftest import CHANNELS_TOML, DEMO_CHANNELS
from tests.conftest import ConfigWriter
from tests.leads.conftest import LEADS_TOML

HISTORY = "/admin/channels/+history"


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    shutil.copyfile(DEMO_CHANNELS, tmp_path / "channels.toml")
    return site_settings(write_config, extra=LEADS_TOML + CHANNELS_TOML)


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _row(page: str, number: int) -> str:
    found = re.search(rf'<tr data-version="{number}">(.*?)</tr>', page, re.S)
    assert found is not None, f"no row for version {number}"
    return found[1]


async def _two_versions(bot: BotClient, csrf: str) -> None:
    """Version 1 from the file (as `wxbot channels publish` makes it), version 2 the site's
    switch turning feed_ads off."""
    store = ChannelStore(bot.app[SETTINGS], bot.app[SESSIONS], bot.app[CACHE])
    await store.publish(DEMO_CHANNELS.read_text(encoding="utf-8"), "channels.toml", "carl")
    off = await bot.post(
        "/admin/channels/feed_ads/enabled",
        data={"csrf": csrf, "enabled": "false"},
        allow_redirects=False,
    )
    assert off.status == 303, await off.text()


async def _live_feed_ads_enabled(bot: BotClient) -> bool:
    channel = bot.app[CHANNELS].table.get("feed_ads")
    assert channel is not None
    return channel.enabled


async def test_the_history_lists_each_version_in_the_readers_words(bot: BotClient) -> None:
    await add_user(bot, "olga", "ops")
    csrf = await sign_in(bot, "olga")
    empty = await bot.get(HISTORY)
    assert empty.status == 200
    assert "尚未发布过" in _text(await empty.text())
    await _two_versions(bot, csrf)
    page = await (await bot.get(HISTORY)).text()
    newest, first = _text(_row(page, 2)), _text(_row(page, 1))
    assert "线上" in newest and "线上" not in first, newest  # the live badge
    assert "修改 1 个渠道 信息流广告" in newest, newest  # by the channel's name
    assert "在管理后台停用 feed_ads" in newest and "olga" in newest
    # The file was live before: the first version changes nothing the bot served.
    assert "没有改动" in first and "共 3 个渠道" in first and "carl" in first, first
    assert "channels.toml" in first  # a note the site did not write is shown as written
    # Only an older version has a rollback button.
    assert 'action="/admin/channels/+rollback/1"' in page
    assert 'action="/admin/channels/+rollback/2"' not in page
    await bot.post("/admin/lang", data={"csrf": csrf, "next": HISTORY})
    english = _text(_row(await (await bot.get(HISTORY)).text(), 2))
    assert "1 channel changed" in english and "Disabled feed_ads on the admin site" in english


async def test_the_channels_page_links_to_the_history(bot: BotClient) -> None:
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get("/admin/channels")).text()
    assert f'href="{HISTORY}"' in page


async def test_ops_roll_back_and_every_process_serves_the_old_table(bot: BotClient) -> None:
    await add_user(bot, "olga", "ops")
    csrf = await sign_in(bot, "olga")
    await _two_versions(bot, csrf)
    deadline = time.monotonic() + 2
    while await _live_feed_ads_enabled(bot):
        assert time.monotonic() < deadline, "the disabled channel did not go live within 2 s"
        await asyncio.sleep(0.05)
    done = await bot.post("/admin/channels/+rollback/1", data={"csrf": csrf},
                          allow_redirects=False)  # fmt: skip
    assert done.status == 303, await done.text()
    assert done.headers["Location"] == f"{HISTORY}?published=3"
    stored = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    assert stored is not None and stored.version.number == 3
    assert stored.version.created_by == "olga"
    assert stored.body == DEMO_CHANNELS.read_text(encoding="utf-8")
    # Live in this process within 2 s, as after the CLI's rollback (the same notice).
    deadline = time.monotonic() + 2
    while not await _live_feed_ads_enabled(bot):
        assert time.monotonic() < deadline, "the rollback did not go live within 2 s"
        await asyncio.sleep(0.05)
    async with bot.app[SESSIONS]() as session:
        entry = await session.scalar(
            select(AdminAudit).where(AdminAudit.action == "channels.rollback")
        )
    assert entry is not None and entry.actor == "olga" and entry.target == SCOPE
    detail = json.loads(entry.detail)
    assert (detail["version"], detail["from_version"], detail["changed"]) == (3, 1, ["feed_ads"])
    page = await (await bot.get(f"{HISTORY}?published=3")).text()
    assert "已发布为第 3 版" in _text(page)
    assert "回滚到版本 1" in _text(_row(page, 3))
    assert 'action="/admin/channels/+rollback/2"' in page  # 2 is an older version now
    audit = await (await bot.get("/admin/audit")).text()
    assert "版本 3（即版本 1 的表格）" in _text(audit) and "feed_ads" in _text(audit)
    assert f'<a href="{HISTORY}">渠道表</a>' in audit  # the target leads to this page


async def test_a_viewer_sees_no_button_and_cannot_roll_back(bot: BotClient) -> None:
    await add_user(bot, "olga", "ops")
    await _two_versions(bot, await sign_in(bot, "olga"))
    await add_user(bot, "vera", "viewer")
    csrf = await sign_in(bot, "vera")
    page = await bot.get(HISTORY)
    assert page.status == 200
    body = await page.text()
    assert 'data-version="1"' in body and "+rollback" not in body
    refused = await bot.post("/admin/channels/+rollback/1", data={"csrf": csrf},
                             allow_redirects=False)  # fmt: skip
    assert refused.status == 403
    stored = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    assert stored is not None and stored.version.number == 2


async def test_a_version_that_fails_todays_check_is_refused_with_its_problems(
    bot: BotClient,
) -> None:
    await add_user(bot, "olga", "ops")
    csrf = await sign_in(bot, "olga")
    assert (await bot.post("/admin/channels/+rollback/9", data={"csrf": csrf})).status == 404
    # A version whose account was since taken out of the settings.
    body = DEMO_CHANNELS.read_text(encoding="utf-8").replace('account = "main"', 'account = "old"')
    assert body != DEMO_CHANNELS.read_text(encoding="utf-8")
    await publish_version(bot.app[SESSIONS], NewVersion(KIND, SCOPE, body, 3, "carl", "no change"))
    store = ChannelStore(bot.app[SETTINGS], bot.app[SESSIONS], bot.app[CACHE])
    await store.publish(DEMO_CHANNELS.read_text(encoding="utf-8"), "channels.toml", "carl")
    answer = await bot.post("/admin/channels/+rollback/1", data={"csrf": csrf})
    assert answer.status == 422
    text = _text(await answer.text())
    assert "第 1 版无法回滚" in text and "第" in text and "old" in text, text
    stored = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    assert stored is not None and stored.version.number == 2


async def test_a_channel_keyed_history_keeps_its_page(bot: BotClient) -> None:
    await add_user(bot, "olga", "ops")
    await sign_in(bot, "olga")
    store = ChannelStore(bot.app[SETTINGS], bot.app[SESSIONS], bot.app[CACHE])
    await store.publish('[[channel]]\nkey = "history"\nname = "历史展"\n', "channels.toml", "carl")
    deadline = time.monotonic() + 2
    while bot.app[CHANNELS].table.get("history") is None:
        assert time.monotonic() < deadline, "the table did not swap within 2 s"
        await asyncio.sleep(0.05)
    page = await bot.get("/admin/channels/history")
    assert page.status == 200
    assert "历史展" in _text(await page.text())
