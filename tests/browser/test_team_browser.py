"""The sales team in a real browser: a manager marks 李四 as left and hands his open
leads over to the team by the assignment rules; the page says what happened, the
hand-over's history lists it, the lead's history names it, and the new owner got one
card. Each step is saved as a screenshot. (The WeCom customers' transfer progress is
the transfer half's, added where the two halves meet.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.admin.keys import SITE
from bot.admin.passwords import hash_password
from bot.app import create_app
from bot.app_keys import OUTBOX_WORKER, SESSIONS
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from storage.lead_models import Lead
from storage.types import utc_now
from tests.bot.admin.site_helpers import PASSWORD
from tests.bot.helpers import exchange
from tests.browser.chromium import SCREENSHOTS, save_screenshot
from tests.browser.story import prepare_fake, story_settings
from tests.conftest import ConfigWriter

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
ClientOfServer = Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]]
SHOTS = SCREENSHOTS / "team"


@pytest.fixture
def backend() -> tuple[str, str]:
    return ("sqlite", "memory")


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    prepare_fake(fake_state)
    return fake_state


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    return story_settings(write_config, tmp_path)


async def _eventually(probe: Callable[[], Awaitable[object]], what: str) -> object:
    deadline = time.monotonic() + 10
    while not (found := await probe()):
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)
    return found


async def _shot(page: Page, name: str) -> None:
    await save_screenshot(page, name, SHOTS)


@pytest.fixture
async def running(
    settings: Settings, aiohttp_server: ServerFactory, aiohttp_client: ClientOfServer
) -> tuple[TestServer, TestClient[web.Request, web.Application]]:
    server = await aiohttp_server(create_app(settings))
    return server, await aiohttp_client(server)


async def test_a_manager_marks_someone_as_left_and_hands_over_to_the_team(
    running: tuple[TestServer, TestClient[web.Request, web.Application]],
    browser: Browser,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> None:
    server, client = running
    app = server.app
    base = str(server.make_url("")).rstrip("/")
    await app[SITE].users.add("mia", "manager", await hash_password(PASSWORD), "test", utc_now())
    # Two followers leave phones: round robin gives the second lead to 李四.
    for i in range(2):
        await exchange(client, player, player.text(f"o_team{i}", f"我的电话1390013900{i}"))

    async def lisis_lead() -> Lead | None:
        async with app[SESSIONS]() as session:
            return await session.scalar(select(Lead).where(Lead.owner == "lisi"))

    lead = await _eventually(lisis_lead, "李四 got no lead")
    assert isinstance(lead, Lead)

    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=name]", "mia")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")

    await page.goto(f"{base}/admin/team")
    row = page.locator("tr[data-userid=lisi]")
    await expect(row).to_contain_text("在岗")
    await expect(row).to_contain_text("1")
    await _shot(page, "01-team")
    await row.locator("a").click()
    await expect(page.locator("#open-leads")).to_contain_text(f"线索 #{lead.id}")
    await page.click("#mark-left")
    await expect(page.locator("#done")).to_have_text("已标记离职：不再分配新线索，已移出所有排班")
    await expect(page.locator("h1 + .badge, .page-head .badge").first).to_have_text("已离职")
    await _shot(page, "02-left")

    await page.check("#mode-rules")
    await page.fill("input[name=reason]", "离职交接")
    await page.click("#handover")
    await expect(page.locator("#done")).to_have_text("交接 #1：已交接 1 条线索")
    history = page.locator("#handovers")
    await expect(history).to_contain_text("按分配规则")
    await expect(history).to_contain_text("离职交接")
    await expect(page.locator("#open-leads")).to_contain_text("没有未结线索")
    await _shot(page, "03-handed-over")

    await page.goto(f"{base}/admin/leads/{lead.id}")
    await expect(page.locator("#owner")).to_contain_text("张三")
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("交接 #1，来自 李四")
    await expect(timeline).to_contain_text("「离职交接」")
    await _shot(page, "04-lead")
    await context.close()

    def digests() -> list[object]:
        return [m for m in fake_state.wecom_messages
                if "zhangsan" in m.touser and m.msgtype == "markdown"]  # fmt: skip

    async def sent() -> bool:
        app[OUTBOX_WORKER].wake()
        return bool(digests())

    await _eventually(sent, "张三 got no digest")
    assert len(digests()) == 1
