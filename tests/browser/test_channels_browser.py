"""Channels in a real browser: ops create a channel on the site, download its QR code
(the ticket's own image with the name under it), a follower scans it (`wxbot simulate`)
and the scan shows on the channel's page; the lead the follower becomes names the
channel on its card. Each step is saved as a screenshot."""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import segno
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image, ImageChops
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.admin.keys import SITE
from bot.admin.passwords import hash_password
from bot.app import create_app
from bot.app_keys import OUTBOX_WORKER, SESSIONS
from bot.cli.simulate import simulate
from bot.config.settings import Settings
from fakewechat.state import FakeWeChat
from storage.channels.models import ChannelRow
from storage.lead_models import Lead
from storage.types import utc_now
from tests.bot.admin.site_helpers import PASSWORD
from tests.browser.chromium import SCREENSHOTS, save_screenshot
from tests.browser.story import prepare_fake, story_settings
from tests.conftest import APP_ID, ConfigWriter

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
SHOTS = SCREENSHOTS / "channels"
FOLLOWER = "o_metro_rider"


@pytest.fixture
def backend() -> tuple[str, str]:
    return ("sqlite", "memory")


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    prepare_fake(fake_state)
    fake_state.add_follower(APP_ID, FOLLOWER)
    return fake_state


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    return story_settings(write_config, tmp_path)


async def _shot(page: Page, name: str) -> None:
    await save_screenshot(page, name, SHOTS)


async def _follower(settings: Settings, base: str, capsys: pytest.CaptureFixture[str],
                    **what: str | None) -> str:  # fmt: skip
    args = argparse.Namespace(
        account=None, aes=False, click=None, subscribe=None, scan=None, voice=None,
        wecom=None, menu=None, openid=FOLLOWER, text=None, url=base,
    )  # fmt: skip
    for key, value in what.items():
        setattr(args, key, value)
    capsys.readouterr()
    assert await simulate(settings, args) == 0
    return capsys.readouterr().out.strip()


async def _eventually(probe: Callable[[], Awaitable[object]], what: str, timeout_s: float = 10
                      ) -> object:  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while not (found := await probe()):
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)
    return found


async def _create_channel(page: Page, base: str) -> None:
    """Ops create the channel: a permanent QR code, its name, group, tags and a cost."""
    await page.goto(f"{base}/admin/channels")
    await page.click("#new-channel")
    await page.fill("input[name=key]", "poster_metro")
    await page.fill("input[name=name]", "地铁海报")
    await page.fill("input[name=group]", "广告")
    await page.fill("input[name=tags]", "渠道:地铁海报")
    await page.fill("input[name=cost]", "6000")
    await page.select_option("select[name=qr_kind]", "permanent")
    await page.click("#check")
    await expect(page.locator("#check-passed")).to_be_visible()
    await _shot(page, "01-new-channel-checked")
    await page.click("#publish")
    await expect(page.locator("#published")).to_be_visible()
    await expect(page.locator("#channel-name")).to_have_text("地铁海报")


def _is_the_tickets_code(png: bytes, url: str) -> None:
    """The printed code is the ticket's own image (what WeChat's showqrcode draws), the
    channel's name in a band under it."""
    printed = Image.open(io.BytesIO(png)).convert("L")
    own = io.BytesIO()
    segno.make(url, error="m").save(own, kind="png", scale=8, border=4)
    code = Image.open(own).convert("L")
    assert printed.width == code.width and printed.height > code.height
    top = printed.crop((0, 0, code.width, code.height))
    assert ImageChops.difference(top, code).getbbox() is None


async def test_ops_make_a_channel_and_see_what_its_code_brings(
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
    context = await browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = await context.new_page()
    await page.goto(f"{base}/admin/login")
    await page.fill("input[name=name]", "olga")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")

    await _create_channel(page, base)

    # The code job makes the QR code; then the page offers it.
    async def ticket() -> str | None:
        app[OUTBOX_WORKER].wake()
        async with app[SESSIONS]() as session:
            row = await session.scalar(select(ChannelRow).where(ChannelRow.key == "poster_metro"))
        return row.qr_ticket if row is not None else None

    made = str(await _eventually(ticket, "the channel's QR code was not made"))
    await page.reload()
    async with page.expect_download() as waiting:
        await page.click("#qr-download")
    download = await waiting.value
    assert download.suggested_filename == "poster_metro.png"
    issued = fake_state.qr_tickets[made]
    _is_the_tickets_code(Path(await download.path()).read_bytes(), issued.url)
    await _shot(page, "02-channel-before-the-scan")

    # A follower scans the printed code (its scene is the ticket's) and asks a price
    # with a phone number: a lead.
    await _follower(settings, base, capsys, subscribe=issued.scene_str)
    await _follower(settings, base, capsys, text="价格多少，电话13700137000")

    async def lead() -> Lead | None:
        async with app[SESSIONS]() as session:
            return await session.scalar(select(Lead).order_by(Lead.id.desc()))

    made_lead = await _eventually(lead, "the follower did not become a lead")
    assert isinstance(made_lead, Lead)

    async def counted() -> bool:
        await page.reload()
        return (await page.inner_text("#follows")).strip() == "1"

    await _eventually(counted, "the scan did not show on the channel's page")
    assert (await page.inner_text("#leads")).strip() == "1"
    await _shot(page, "03-channel-after-the-scan")

    await page.goto(f"{base}/admin/leads")
    await expect(
        page.locator(f"#board .lead-card[data-lead='{made_lead.id}'] .meta")
    ).to_contain_text("地铁海报")
    await _shot(page, "04-lead-board")
    await page.goto(f"{base}/admin/leads/{made_lead.id}")
    await expect(page.locator("main")).to_contain_text("地铁海报")
    await _shot(page, "05-lead")
    await page.goto(f"{base}/admin/channels")
    await expect(page.locator("#channels")).to_contain_text("地铁海报")
    await _shot(page, "06-channels")
    await context.close()
