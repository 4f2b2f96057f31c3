"""The account's menu in a real browser (Debian's chromium, driven by Playwright): ops rename
a button and see the phone change as they type, add a button, check, publish, and see
`wxbot simulate --menu` list the new button; then try a follower. Each step is saved as
a screenshot."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot.admin.keys import SITE
from bot.admin.passwords import hash_password
from bot.app import create_app
from bot.app_keys import CACHE, HTTP, SESSIONS
from bot.cli.simulate import simulate
from bot.config.settings import Settings
from bot.effects.api_clients import official_account_clients
from bot.ops.menu_ops import MenuStore
from fakewechat.state import FakeWeChat
from menus.menu_file import parse_menu_text
from storage.types import utc_now
from tests.bot.admin.site_helpers import PASSWORD, site_settings
from tests.bot.effects.tag_sync_helpers import tagging_config
from tests.browser.chromium import save_screenshot
from tests.conftest import APP_ID, ConfigWriter
from tests.menus_ops.conftest import KEYWORDS
from tests.menus_ops.menus import V1

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
FOLLOWER = "o_browser_menu"
NEW_NAME = "预约到店"


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    return site_settings(write_config, extra=tagging_config(tmp_path), keywords=KEYWORDS)


async def _shot(page: Page, name: str) -> None:
    await save_screenshot(page, name)


async def _simulated_menu(settings: Settings, base: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What `wxbot simulate --menu` prints for the follower."""
    args = argparse.Namespace(
        account=None, aes=False, click=None, subscribe=None, scan=None, voice=None,
        wecom=None, menu="", openid=FOLLOWER, text=None, url=base,
    )  # fmt: skip
    capsys.readouterr()
    assert await simulate(settings, args) == 0
    return capsys.readouterr().out


async def _sign_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=name]", "olga")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]:has-text('登录')")
    await page.click("nav a:has-text('公众号菜单')")


async def _edit_check_and_publish(page: Page) -> None:
    live = page.locator("#live-phone-0")
    await expect(live.locator(".phone-pop")).to_contain_text("预约试驾")
    await _shot(page, "menu-01-live")

    # Typing a name redraws the draft's phone in place (htmx), before anything is saved.
    draft = page.locator("#draft-phone-0")
    await page.fill("input[name='m0-b1-s0-name']", NEW_NAME)
    await expect(draft.locator(".phone-pop")).to_contain_text(NEW_NAME)
    await expect(live.locator(".phone-pop")).not_to_contain_text(NEW_NAME)
    await _shot(page, "menu-02-preview")

    # A new top-level button, left without its key: the check says so at the field.
    await page.click("button[value='add:m0']")
    await page.fill("input[name='m0-b2-name']", "热线")
    await page.click("#menu-check")
    await expect(page.locator("#menu-errors")).to_be_visible()
    await expect(page.locator("#edit-m0-b2 .problem")).to_contain_text("click 按钮需要填写 key")
    await expect(page.locator("input[name='m0-b2-key']")).to_have_class("bad")
    await _shot(page, "menu-03-check")
    await page.fill("input[name='m0-b2-key']", "MENU_PRICE")
    await page.fill("#menu-note", "试驾改为到店")
    await page.click("#menu-publish")
    await expect(page.locator("#flash")).to_contain_text("菜单第 2 版已在微信上线")
    await expect(page.locator("#live-phone-0 .phone-pop")).to_contain_text(NEW_NAME)
    await expect(page.locator("#live-phone-0 .phone-menu")).to_contain_text("热线")
    await _shot(page, "menu-04-published")


async def test_ops_edit_and_publish_the_menu_in_a_browser(
    settings: Settings,
    aiohttp_server: ServerFactory,
    browser: Browser,
    fake_state: FakeWeChat,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = await aiohttp_server(create_app(settings))
    app = server.app
    base = str(server.make_url("")).rstrip("/")
    await app[SITE].users.add("olga", "ops", await hash_password(PASSWORD), "test", utc_now())
    fake_state.add_follower(APP_ID, FOLLOWER)
    # The menu ops published from the CLI before.
    clients = official_account_clients(settings, app[HTTP], app[CACHE])
    store = MenuStore(settings, app[SESSIONS], app[CACHE], clients)
    await store.publish("main", parse_menu_text(V1), "小李", "menu.toml")
    before = await _simulated_menu(settings, base, capsys)
    assert "预约试驾" in before and NEW_NAME not in before

    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await _sign_in(page, base)
    await _edit_check_and_publish(page)
    shown = await _simulated_menu(settings, base, capsys)
    assert NEW_NAME in shown and "热线 → click MENU_PRICE" in shown, shown
    assert "预约试驾" not in shown, shown  # the follower has no tag: the default menu

    await page.fill("#menu-try-openid", FOLLOWER)
    await page.click("#menu-try-run")
    await expect(page.locator("#menu-try-which")).to_contain_text("看到的是默认菜单")
    await expect(page.locator("#menu-try-phone .phone-pop")).to_contain_text(NEW_NAME)
    await _shot(page, "menu-05-try")

    await page.click("a:has-text('历史版本')")
    await expect(page.locator("#history tr[data-version='2']")).to_contain_text("olga")
    await expect(page.locator("#history tr[data-version='2']")).to_contain_text("试驾改为到店")
    await _shot(page, "menu-06-history")
    assert errors == []
