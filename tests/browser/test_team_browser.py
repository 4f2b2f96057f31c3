"""The sales team in a real browser: a manager marks 李四 as left and hands his open
leads over to the team by the assignment rules; the page says what happened, the
hand-over's history lists it with its WeCom customer's transfer, the lead's history
names it, and the new owner got one card. Then the fake's clock runs 25 h: the bot's
poll finds WeCom's takeover complete and the hand-over page says the customer moved.
Each step is saved as a screenshot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
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
from tests.browser.reading import read_page
from tests.browser.story import prepare_fake, story_settings
from tests.conftest import ConfigWriter
from tests.leads.helpers import ShiftedClock

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
ClientOfServer = Callable[[TestServer], Awaitable[TestClient[web.Request, web.Application]]]
SHOTS = SCREENSHOTS / "team"
CUSTOMER = "wmTeamCustomer"
# WeCom completes a takeover 24 h after the call; the bot's third poll lands just past it.
PAST_THE_TAKEOVER_H = 25


@pytest.fixture
def clock(fake_state: FakeWeChat) -> ShiftedClock:
    """The bot's clock, which the fake's follows: the test moves both at once."""
    shifted = ShiftedClock()
    fake_state.clock = shifted.epoch
    return shifted


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


async def _reload_until(
    page: Page, where: Locator, text: str, wake: Callable[[], None] | None = None
) -> None:
    """Reload the page until `where` says `text` (the outbox works in the background)."""
    deadline = time.monotonic() + 10
    while text not in await where.inner_text():
        assert time.monotonic() < deadline, f"the page never said {text!r}"
        if wake is not None:
            wake()
        await asyncio.sleep(0.2)
        await page.reload()
    await expect(where).to_contain_text(text)


async def _shot(page: Page, name: str) -> None:
    await save_screenshot(page, name, SHOTS)


@pytest.fixture
async def running(
    settings: Settings,
    aiohttp_server: ServerFactory,
    aiohttp_client: ClientOfServer,
    clock: ShiftedClock,
) -> tuple[TestServer, TestClient[web.Request, web.Application]]:
    server = await aiohttp_server(create_app(settings, clock=clock))
    return server, await aiohttp_client(server)


async def _signed_in(browser: Browser, base: str, name: str) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")
    return context, page


async def _lisis_lead_with_a_customer(
    app: web.Application,
    client: TestClient[web.Request, web.Application],
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> Lead:
    # Two followers leave phones: round robin gives the second lead to 李四.
    for i in range(2):
        await exchange(client, player, player.text(f"o_team{i}", f"我的电话1390013900{i}"))

    async def lisis_lead() -> Lead | None:
        async with app[SESSIONS]() as session:
            return await session.scalar(select(Lead).where(Lead.owner == "lisi"))

    lead = await _eventually(lisis_lead, "李四 got no lead")
    assert isinstance(lead, Lead)
    # The follower added 李四 on WeCom (the contact link `leads.contacts` records) ...
    fake_state.add_external_contact(CUSTOMER, "王先生", ["lisi"])
    async with app[SESSIONS].begin() as session:
        linked = await session.get(Lead, lead.id)
        assert linked is not None
        linked.external_userid = CUSTOMER
    # ... and 李四 has left the corp in WeCom's console: his customers await a resigned transfer.
    fake_state.transfer_book.resign("lisi")
    return lead


async def _the_takeover_completes(
    page: Page,
    base: str,
    *,
    app: web.Application,
    clock: ShiftedClock,
    fake_state: FakeWeChat,
    lead_id: int,
) -> None:
    transfers = page.locator("#transfers-1")
    # A day and an hour on the fake's clock: the bot's poll finds the takeover done.
    clock.advance(hours=PAST_THE_TAKEOVER_H)
    await page.goto(f"{base}/admin/team/lisi")
    await _reload_until(page, transfers, "已转接 1", wake=app[OUTBOX_WORKER].wake)
    await page.click("#transfers-1 summary")
    await expect(transfers).to_contain_text(CUSTOMER)
    await _shot(page, "05-transfer-done")
    assert list(fake_state.external_contacts[CUSTOMER].followers) == ["zhangsan"]
    await page.goto(f"{base}/admin/leads/{lead_id}")
    await expect(page.locator("#customer-transfer")).to_contain_text("已转接")


async def _mark_left(page: Page) -> None:
    await page.click("#mark-left")
    await expect(page.locator("#done")).to_have_text("已标记离职：不再分配新线索，已移出所有排班")
    await expect(page.locator("h1 + .badge, .page-head .badge").first).to_have_text("已离职")
    # Someone who has left does not come back from leave: they rejoin, if ever.
    await expect(page.locator("#return")).to_have_text("重新入职")
    await expect(page.locator("input[name=leads]")).to_have_attribute("placeholder", "全部未结线索")
    await _shot(page, "02-left")


async def test_a_manager_marks_someone_as_left_and_hands_over_to_the_team(
    running: tuple[TestServer, TestClient[web.Request, web.Application]],
    browser: Browser,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
    clock: ShiftedClock,
) -> None:
    server, client = running
    app = server.app
    base = str(server.make_url("")).rstrip("/")
    await app[SITE].users.add("mia", "manager", await hash_password(PASSWORD), "test", utc_now())
    lead = await _lisis_lead_with_a_customer(app, client, player, fake_state)
    context, page = await _signed_in(browser, base, "mia")

    await page.goto(f"{base}/admin/team")
    row = page.locator("tr[data-userid=lisi]")
    await expect(row).to_contain_text("在岗")
    await expect(row).to_contain_text("1")
    await _shot(page, "01-team")
    await row.locator("a").click()
    await expect(page.locator("#open-leads")).to_contain_text(f"线索 #{lead.id}")
    await _mark_left(page)

    await page.check("#mode-rules")
    await page.fill("input[name=reason]", "离职交接")
    await page.click("#handover")
    await expect(page.locator("#done")).to_have_text("交接 #1：已交接 1 条线索")
    history = page.locator("#handovers")
    await expect(history).to_contain_text("按分配规则")
    await expect(history).to_contain_text("离职交接")
    await expect(page.locator("#open-leads")).to_contain_text("没有未结线索")
    transfers = page.locator("#transfers-1")
    await expect(transfers).to_contain_text("企业微信客户 · 离职继承")
    await _shot(page, "03-handed-over")

    async def sent_to_wecom() -> bool:
        app[OUTBOX_WORKER].wake()
        return bool(fake_state.calls_to("/cgi-bin/externalcontact/resigned/transfer_customer"))

    await _eventually(sent_to_wecom, "the resigned transfer was not called")
    await _reload_until(page, transfers, "等待企业微信24小时后接替 1")
    await page.click("#transfers-1 summary")
    await expect(transfers).to_contain_text(CUSTOMER)
    await _shot(page, "03b-transfer-waiting")
    # Opened, each customer's row (a long state badge among them) stays within its card.
    assert await read_page(page, "zh") == []

    await page.goto(f"{base}/admin/leads/{lead.id}")
    await expect(page.locator("#owner")).to_contain_text("张三")
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("交接 #1，来自 李四")
    await expect(timeline).to_contain_text("「离职交接」")
    await expect(page.locator("#customer-transfer")).to_contain_text("等待企业微信24小时后接替")
    await _shot(page, "04-lead")

    await _the_takeover_completes(
        page, base, app=app, clock=clock, fake_state=fake_state, lead_id=lead.id
    )
    await context.close()

    def digests() -> list[object]:
        return [m for m in fake_state.wecom_messages
                if "zhangsan" in m.touser and m.msgtype == "markdown"]  # fmt: skip

    async def sent() -> bool:
        app[OUTBOX_WORKER].wake()
        return bool(digests())

    await _eventually(sent, "张三 got no digest")
    assert len(digests()) == 1
