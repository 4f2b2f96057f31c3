"""The admin site in a real browser (Debian's chromium, driven by Playwright): sign in,
edit a rule and see "try a message" change, publish and see `wxbot simulate` get the
new reply, walk the lead board, open the outbox, see a journey's funnel drawn. Each page is
saved as a screenshot."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot.admin.keys import SITE
from bot.admin.passwords import hash_password
from bot.app import create_app
from bot.app_keys import SESSIONS
from bot.cli.simulate import simulate
from bot.config.settings import Settings
from fakewechat.state import FakeWeChat
from storage import journey_repo
from storage.identities import resolve_profile
from storage.types import utc_now
from tests.bot.admin.site_helpers import PASSWORD, site_settings
from tests.browser.chromium import save_screenshot
from tests.conftest import ConfigWriter
from tests.leads.conftest import AGENT_ID, CORP_ID, CORP_SECRET, LEADS_TOML, STAFF

NEW_REPLY = "浏览器里改的回复"
# Entered only on purpose (segment), and nothing due for a week.
JOURNEYS = """
[[journey]]
name = "nurture"
trigger = "segment"
  [[journey.step]]
  wait = "7d"
  action = "text"
  text = "hello"
"""
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    fake_state.add_corp(CORP_ID, {AGENT_ID: CORP_SECRET}, members=STAFF)
    return fake_state


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    (tmp_path / "journeys.toml").write_text(JOURNEYS, encoding="utf-8")
    return site_settings(write_config, extra=LEADS_TOML + '\n[journeys]\nfile = "journeys.toml"\n')


async def _shot(page: Page, name: str) -> None:
    await save_screenshot(page, name)


async def _simulate(
    settings: Settings, base: str, text: str, capsys: pytest.CaptureFixture[str]
) -> str:
    args = argparse.Namespace(
        account=None, aes=False, click=None, subscribe=None, scan=None, voice=None,
        wecom=None, menu=None, openid="o_browser_test", text=text, url=base,
    )  # fmt: skip
    capsys.readouterr()
    assert await simulate(settings, args) == 0
    return capsys.readouterr().out.strip()


async def test_the_admin_site_in_a_browser(
    settings: Settings,
    aiohttp_server: ServerFactory,
    browser: Browser,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = await aiohttp_server(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    await server.app[SITE].users.add(
        "olga", "ops", await hash_password(PASSWORD), "test", utc_now()
    )
    # A lead with an alert card, for the board and the outbox.
    assert "已收到您的电话" in await _simulate(settings, base, "电话 13800138000", capsys)

    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(f"{base}/admin/")
    await expect(page).to_have_url(f"{base}/admin/login?next=/admin/")
    await _shot(page, "01-sign-in")
    await page.fill("input[name=name]", "olga")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]:has-text('登录')")
    await expect(page.locator(".who")).to_have_text("olga · 运营")
    await _shot(page, "02-dashboard")

    await page.goto(f"{base}/admin/keywords/main")
    rule_cell = page.locator("textarea:text-is('hello')")
    row = (await rule_cell.get_attribute("name") or "").removesuffix("-rule")
    await page.fill(f"textarea[name='{row}-reply']", NEW_REPLY)
    await page.fill("#try-value", "你好")
    await page.click("#try-run")
    await expect(page.locator("#try-reply")).to_contain_text(NEW_REPLY)
    await _shot(page, "03-keywords-try")

    await page.click("#preview")
    await expect(page.locator("#diff tr[data-rule=hello] ins")).to_have_text(NEW_REPLY)
    await _shot(page, "04-publish-preview")
    await page.click("#publish")
    await expect(page.locator("#flash")).to_be_visible()
    started = time.monotonic()
    while await _simulate(settings, base, "你好", capsys) != NEW_REPLY:
        assert time.monotonic() - started < 2.0, "the published reply did not reach the bot"
        await asyncio.sleep(0.1)

    await page.click("a:has-text('历史版本')")
    await expect(page.locator("#history")).to_contain_text("olga")
    await _shot(page, "05-history")

    await page.goto(f"{base}/admin/leads")
    await page.click("#board a[href='/admin/leads/1']")
    await expect(page.locator("h1")).to_contain_text("#1")
    await _shot(page, "06-lead")
    await page.goto(f"{base}/admin/leads?by=owner")
    await expect(page.locator("#board")).to_contain_text("张三")
    await _shot(page, "07-lead-board-by-owner")

    await page.click("nav a:has-text('发送队列')")
    await page.click("#tabs a:has-text('已发送')")
    await expect(page.locator(".wecom-card").first).to_contain_text("线索 #1")
    await _shot(page, "08-outbox-lead-card")

    for name, path in (("09-reports", "/admin/reports"), ("10-people", "/admin/people/1"),
                       ("11-audit", "/admin/audit"), ("12-users", "/admin/users")):  # fmt: skip
        await page.goto(f"{base}{path}")
        await _shot(page, name)
    await expect(page.locator("#users")).to_contain_text("运营")

    await page.click("#sign-out")
    await expect(page).to_have_url(f"{base}/admin/login")


async def test_a_journeys_funnel_is_drawn_in_a_browser(
    settings: Settings, aiohttp_server: ServerFactory, browser: Browser
) -> None:
    server = await aiohttp_server(create_app(settings))
    base = str(server.make_url("")).rstrip("/")
    await server.app[SITE].users.add(
        "vera", "viewer", await hash_password(PASSWORD), "test", utc_now()
    )
    now = utc_now()
    async with server.app[SESSIONS].begin() as session:
        people = [await resolve_profile(session, "openid", "main", f"o_{n}", now) for n in "ab"]
        due = now + timedelta(days=7)
        await journey_repo.enter_runs(session, "nurture", people, trigger="t", due_at=due, now=now)
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=name]", "vera")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]:has-text('登录')")
    await page.click("nav a:has-text('培育旅程')")
    await expect(page.locator("#journeys tr[data-journey=nurture] .entered")).to_have_text("2")
    await page.click("a[href='/admin/journeys/nurture']")
    # ECharts drew the funnel as SVG: its stages are text a person reads.
    chart = page.locator("#chart-journey-funnel svg")
    await expect(chart).to_have_count(1)
    await expect(chart).to_contain_text("进入  2")
    await expect(chart).to_contain_text("第 1 步  0")
    assert errors == []
    await _shot(page, "13-journey-funnel")
