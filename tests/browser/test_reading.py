"""The admin site read as ops, a manager and a viewer read it, in Chinese and in English.

On the demo's story (tests/browser/story.py), each role signs in, switches language,
and visits every page at 1366×768 (and the lead board, a lead and a person at 375 px,
a phone); each page is read with `reading.read_page` (no Python reprs, raw values,
JSON, placeholders, keys, Latin words in Chinese, overflow, clipped or one-character
labels), the browser's console and requests are watched, and the figures the story
made must be there in words. Every page is saved as a screenshot for a person to look at.
All findings are reported together, so one run lists everything that reads wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, ViewportSize
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bot.app import create_app
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from keywords.table_csv import load_table
from tests.bot.admin.site_helpers import PASSWORD, BotClient
from tests.browser.chromium import SCREENSHOTS, save_screenshot
from tests.browser.reading import BrowserLog, read_page
from tests.browser.story import (
    CLI_PUBLISHER,
    EXPO_CONTACT_NAME,
    ROOT,
    USERS,
    Story,
    add_site_users,
    prepare_fake,
    publish_from_the_cli,
    story_settings,
    tell_story,
)
from tests.conftest import ConfigWriter

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
ClientOfServer = Callable[[TestServer], Awaitable[BotClient]]
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 375, "height": 812}
SHOTS = SCREENSHOTS / "reading"


def pages(story: Story) -> dict[str, str]:
    """Every page a person can open from the navigation, by a short name."""
    return {
        "dashboard": "/admin/",
        "keywords": "/admin/keywords/main",
        "keyword-history": "/admin/keywords/main/history",
        "try": "/admin/try",
        "misses": "/admin/reports",
        "outbox": "/admin/outbox",
        "outbox-sent": "/admin/outbox?state=done",
        "leads": "/admin/leads",
        "leads-by-owner": "/admin/leads?by=owner",
        "lead": f"/admin/leads/{story.price_lead}",
        "expo-lead": f"/admin/leads/{story.expo_lead}",
        "people-search": "/admin/people?q=spring",
        "person": f"/admin/people?q=%23{story.price_lead}",
        "journeys": "/admin/journeys",
        "journey": "/admin/journeys/price_nurture",
        "channels": "/admin/channels",
        "channel": "/admin/channels/spring_expo",
        "channel-ads": "/admin/channels/feed_ads",
        "channel-history": "/admin/channels/+history",
        "users": "/admin/users",
        "audit": "/admin/audit",
        # The account's menu (issue 20): the demo's menu, published from the CLI.
        "menus": "/admin/menus/main",
        "menu-history": "/admin/menus/main/history",
        # The sales team (issue 21): 李四 on leave, 张三 standing in, a hand-over's transfer.
        "team": "/admin/team",
        "team-member": "/admin/team/lisi",
    }


PHONE_PAGES = ("leads", "lead", "person", "menus")  # the menu: the live one on a phone

# What the story put on a page, as the page must say it (Chinese, English).
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "dashboard": [
        ("张三", "张三"),
        ("春季车展 · 线下活动", "春季车展 · 线下活动"),
        ("未命中", "Unanswered"),
    ],
    "channels": [
        ("春季车展", "春季车展"),
        ("线下活动", "线下活动"),
        ("徐汇门店", "徐汇门店"),
        ("新关注", "New follows"),
    ],
    "channel": [
        ("春季车展", "春季车展"),
        ("张三", "张三"),
        ("李四", "李四"),
        ("王女士", "Ms. Wang"),
        ("排班", "Rota"),
        ("价格表", "价格表"),
    ],
    "channel-ads": [
        ("信息流广告", "信息流广告"),
        ("每天", "Every day"),
        ("王女士您好", "Ms. Wang您好"),
    ],
    # The story's channel publishes (story.publish_from_the_cli): 徐汇门店 changed, then
    # version 1 brought back by ops_shell.
    "channel-history": [
        (CLI_PUBLISHER, CLI_PUBLISHER),
        ("修改 1 个渠道", "1 channel changed"),
        ("徐汇门店", "徐汇门店"),
        ("回滚到版本 1", "Rolled back to version 1"),
    ],
    "leads": [("张三", "张三"), ("分钟", "min")],
    "leads-by-owner": [("张三", "张三"), ("李四", "李四")],
    "lead": [("春季车展", "春季车展"), ("成为线索", "Became a lead"), ("张三", "张三")],
    "expo-lead": [
        ("春季车展", "春季车展"),
        (EXPO_CONTACT_NAME, EXPO_CONTACT_NAME),
        ("等待企业微信24小时后接替", "Waiting for WeCom's 24-hour takeover"),
    ],
    "person": [("春季车展", "春季车展"), ("联系中", "Contacting")],
    "outbox": [("60020", "60020")],
    "audit": [(CLI_PUBLISHER, CLI_PUBLISHER), ("ops_shell", "ops_shell")],
    "keyword-history": [(CLI_PUBLISHER, CLI_PUBLISHER)],
    # The demo's menu (menus/demo.toml) and its conditional menu for 高意向.
    "menus": [("预约试驾", "预约试驾"), ("带标签 高意向 的粉丝", "Followers tagged 高意向")],
    "menu-history": [(CLI_PUBLISHER, CLI_PUBLISHER), ("10 个按钮", "10 buttons")],
    "team": [("张三", "张三"), ("李四", "李四"), ("休假中", "On leave"), ("在岗", "At work")],
    # 李四's hand-over of the expo lead, its WeCom customer waiting for the takeover.
    "team-member": [
        ("休假中", "On leave"),
        ("回岗", "back on"),
        ("张三", "张三"),
        ("车展客户由张三跟进", "车展客户由张三跟进"),
        ("等待企业微信24小时后接替 1", "Waiting for WeCom's 24-hour takeover 1"),
    ],
}


@pytest.fixture
def backend() -> tuple[str, str]:
    """The demo's own storage (SQLite and the in-process cache): the story is the demo's."""
    return ("sqlite", "memory")


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    prepare_fake(fake_state)
    return fake_state


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    return story_settings(write_config, tmp_path)


async def _sign_in(page: Page, base: str, name: str, lang: str) -> list[str]:
    """Sign in, switching language on the sign-in page first for English."""
    findings = []
    response = await page.goto(f"{base}/admin/login")
    assert response is not None and response.status == 200, await page.content()
    if lang == "en":
        await page.click("form[action='/admin/lang'] button")
        if not await page.locator("input[name=name]").count():
            findings.append("the language switch on the sign-in page does not work")
            await page.goto(f"{base}/admin/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")
    if lang == "en" and await page.locator("html[lang=en]").count() == 0:
        await page.click("form[action='/admin/lang'] button")
    return findings


async def _read(page: Page, log: BrowserLog, lang: str, shot: str) -> list[str]:
    await page.wait_for_load_state("networkidle")
    found = await read_page(page, lang) + log.take()
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top
    await save_screenshot(page, shot, SHOTS)
    return found


async def _expect(page: Page, name: str, lang: str, role: str) -> list[str]:
    text = await page.inner_text("body")
    missing = []
    for zh, en in EXPECTED.get(name, []):
        wanted = zh if lang == "zh" else en
        if wanted not in text:
            missing.append(f'the story\'s "{wanted}" is not on the page')
    if name == "person" and role != "viewer" and "13800138000" not in text:
        missing.append("the phone number is not on the page")
    return missing


# The grid edits one reply of the demo's table: the preview counts the demo's rules.
DEMO_RULES = len(load_table(ROOT / "keywords" / "demo.csv"))
# What ops read while working the keyword grid (Chinese, English).
GRID_WORDS = {
    "checked": ("检查通过", "Check passed"),
    "problem": ("「abc」不是整数", "'abc' is not a whole number"),
    "preview": (f"发布后共 {DEMO_RULES} 条规则", f"{DEMO_RULES} rules after publishing"),
    "tried": ("粉丝看到的回复", "The reply as the follower sees it"),
}
NEW_REPLY = "价格表已更新，欢迎到店咨询"
STEP_MS = 5000  # an element a step needs that is not there within this is a finding


async def _work_the_grid(page: Page, base: str, log: BrowserLog, lang: str) -> list[str]:
    """Check the table, break a cell and check again, preview a changed reply, try a
    message: each answer read as the others are."""
    found: list[str] = []
    grid = f"{base}/admin/keywords/main"
    price = "tr:has(textarea:text-is('price'))"

    async def read(step: str, ready: str) -> None:
        await page.wait_for_selector(ready, timeout=STEP_MS)
        found.extend(
            f"{step}: {f}" for f in await _read(page, log, lang, f"{lang}-ops-grid-{step}")
        )
        wanted = GRID_WORDS[step][0 if lang == "zh" else 1]
        if wanted not in await page.inner_text("body"):
            found.append(f'{step}: "{wanted}" is not on the page')

    try:
        await page.goto(grid)
        await page.click("#check", timeout=STEP_MS)
        await read("checked", "#check-passed")
        await page.locator(f"{price} input[name$='-score']").fill("abc", timeout=STEP_MS)
        await page.click("#check")
        await read("problem", "#grid-errors")
        await page.locator(f"{price} input[name$='-score']").fill("30")
        await page.locator(f"{price} textarea[name$='-reply']").fill(NEW_REPLY)
        await page.click("#preview")
        await read("preview", "#diff")
        if NEW_REPLY not in await page.inner_text("#diff ins", timeout=STEP_MS):
            found.append("preview: the new reply is not shown as the changed cell")
        await page.goto(grid)
        await page.fill("#try-value", "价格多少")
        await page.click("#try-run")
        await read("tried", "#try-answer")
    except PlaywrightTimeoutError as error:
        found.append(f"cannot go on: {str(error).splitlines()[0]}")
    return found


# What ops read on a channel's form: a cap that is not a number, with its line, beside
# the cap; then the check passing with the grade's warning about its channel group.
FORM_WORDS = {
    "problem": ("应为每天添加数（整数）", "must be a whole number of adds a day"),
    "checked": ("检查通过", "Check passed"),
}


async def _work_the_channel_form(page: Page, base: str, log: BrowserLog, lang: str) -> list[str]:
    """Break the rota's cap, check, mend it and check again: each answer read."""
    found: list[str] = []

    async def read(step: str, ready: str) -> None:
        await page.wait_for_selector(ready, timeout=STEP_MS)
        shot = f"{lang}-ops-channel-form-{step}"
        found.extend(f"{step}: {f}" for f in await _read(page, log, lang, shot))
        wanted = FORM_WORDS[step][0 if lang == "zh" else 1]
        if wanted not in await page.inner_text("body"):
            found.append(f'{step}: "{wanted}" is not on the page')

    try:
        await page.goto(f"{base}/admin/channels/spring_expo/edit")
        await page.fill("input[name=cap]", "abc", timeout=STEP_MS)
        await page.click("#check")
        await read("problem", "#channel-errors")
        if not await page.locator("label.bad input[name=cap] ~ .problem").count():
            found.append("problem: the cap's problem is not beside the cap")
        await page.fill("input[name=cap]", "30")
        await page.click("#check")
        await read("checked", "#check-passed")
    except PlaywrightTimeoutError as error:
        found.append(f"cannot go on: {str(error).splitlines()[0]}")
    return found


async def _visit_all(browser: Browser, base: str, story: Story, role: str, lang: str) -> list[str]:
    context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = await context.new_page()
    log = BrowserLog()
    log.watch(page)
    findings: list[str] = []
    try:
        findings += [
            f"{lang} {role} sign-in: {finding}"
            for finding in await _sign_in(page, base, USERS[role], lang)
        ]
        for name, path in pages(story).items():
            response = await page.goto(base + path)
            status = response.status if response is not None else 0
            here = [f"HTTP {status}"] if status != 200 else []
            here += await _read(page, log, lang, f"{lang}-{role}-{name}")
            here += await _expect(page, name, lang, role)
            findings += [f"{lang} {role} {name} ({path}): {finding}" for finding in here]
        if role == "ops":
            here = await _work_the_grid(page, base, log, lang)
            findings += [f"{lang} ops keyword grid, {finding}" for finding in here]
            here = await _work_the_channel_form(page, base, log, lang)
            findings += [f"{lang} ops channel form, {finding}" for finding in here]
        await page.set_viewport_size(PHONE)
        for name in PHONE_PAGES:
            path = pages(story)[name]
            await page.goto(base + path)
            here = await _read(page, log, lang, f"{lang}-{role}-{name}-phone")
            findings += [f"{lang} {role} {name} at 375px: {finding}" for finding in here]
    finally:
        await context.close()
    return findings


@dataclass(frozen=True)
class StorySite:
    base: str
    story: Story
    client: BotClient


@pytest.fixture
async def server(settings: Settings, tmp_path: Path, aiohttp_server: ServerFactory) -> TestServer:
    await asyncio.to_thread(publish_from_the_cli, tmp_path / "config.toml")
    return await aiohttp_server(create_app(settings))


@pytest.fixture
async def site(
    server: TestServer,
    aiohttp_client: ClientOfServer,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> StorySite:
    """The bot on loopback, after the demo's story."""
    client = await aiohttp_client(server)
    await add_site_users(client)
    story = await tell_story(client, fake_state, player)
    return StorySite(str(server.make_url("")).rstrip("/"), story, client)


@pytest.mark.timeout(900)
async def test_every_page_reads_right_for_every_role_in_both_languages(
    site: StorySite, browser: Browser
) -> None:
    findings: list[str] = []
    favicon = await site.client.get("/favicon.ico")
    if favicon.status != 200 or not favicon.content_type.startswith("image/"):
        findings.append(f"/favicon.ico answers {favicon.status} {favicon.content_type}")
    for lang in ("zh", "en"):
        for role in USERS:
            findings += await _visit_all(browser, site.base, site.story, role, lang)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "findings.txt").write_text("\n".join(findings) + "\n", encoding="utf-8")
    assert not findings, f"{len(findings)} things read wrong:\n" + "\n".join(findings)
