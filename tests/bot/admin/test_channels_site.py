"""Channels on the admin site: the list and a channel's page read the aggregates and the
codes; ops create, edit, disable a channel and its rota through the same check and
publish as the CLI (a version, audited, live), with problems by line and field."""

from __future__ import annotations

import asyncio
import html
import io
import re
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update

from bot.admin.keys import SITE
from bot.admin.views.channel_views import PAGE_SIZE
from bot.app_keys import CACHE, CHANNELS, SESSIONS, SETTINGS
from bot.config.settings import Settings
from bot.ops.channel_ops import ChannelStore
from bot.runtime.channels import KIND, SCOPE, channel_context
from channels.table_file import parse_channels
from storage.admin_models import AdminAudit
from storage.channels.models import ChannelRow
from storage.channels.tallies import Tally
from storage.tables.versions import live_version
from storage.types import utc_now
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.channels.conftest import CHANNELS_TOML, DEMO_CHANNELS
from tests.conftest import ConfigWriter
from tests.leads.conftest import LEADS_TOML


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    shutil.copyfile(DEMO_CHANNELS, tmp_path / "channels.toml")
    return site_settings(write_config, extra=LEADS_TOML + CHANNELS_TOML)


async def _ops(bot: BotClient) -> str:
    await add_user(bot, "olga", "ops")
    return await sign_in(bot, "olga")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def _codes_made(bot: BotClient) -> None:
    """Wait for the code jobs to give every enabled channel its codes."""
    deadline = time.monotonic() + 10
    while True:
        async with bot.app[SESSIONS]() as session:
            rows = list(await session.scalars(select(ChannelRow).where(ChannelRow.enabled)))
        if rows and all((r.qr_ticket or not r.qr_kind) and (r.way_config_id or not r.way_app)
                        for r in rows):  # fmt: skip
            return
        assert time.monotonic() < deadline, "the channel codes were not made"
        await asyncio.sleep(0.1)


NEW_CHANNEL = {
    "key": "poster_metro", "name": "地铁海报", "group": "广告", "tags": "渠道:地铁海报",
    "points": "5", "cost": "8000", "enabled": "on", "qr_kind": "temporary",
    "qr_account": "main", "qr_expire_days": "7", "wecom": "on", "wecom_app": "sales",
    "cap": "20", "backups": "lisi", "skip_verify": "on", "skip_verify_hours": "",
    "shifts": "2", "shift-0-hours": "09:00-18:00", "shift-0-staff": "zhangsan",
    "welcome_text": "{name}您好，欢迎从地铁海报来！",
}  # fmt: skip


async def test_the_list_names_each_channel_its_group_codes_and_figures(bot: BotClient) -> None:
    await _ops(bot)
    await _codes_made(bot)
    async with bot.app[SESSIONS].begin() as session:
        tally = Tally()
        for metric, n in (("scans", 7), ("follows", 4), ("leads", 2), ("won", 1)):
            tally.add("spring_expo", utc_now(), metric, n=n)
        await tally.write(session)
    page = await bot.get("/admin/channels")
    assert page.status == 200
    text = _text(await page.text())
    row = text[text.index("春季车展") :]
    assert "线下活动" in row.split("徐汇门店")[0]
    # scans 7, follows 4, net 4, leads 2, won 1; 30 000 yuan / 2 leads, / 1 won
    # scans, follows, adds, net, tagged, leads and their rate, claimed, won and of leads,
    # cost per lead and per won
    assert re.search(r"7\s+4\s+0\s+4\s+0\s+2\s+50%\s+0\s+1\s+50%\s+¥15,000\s+¥30,000", row), row
    assert "徐汇门店" in text and "信息流广告" in text


async def test_a_code_near_its_end_is_warned_of(bot: BotClient) -> None:
    await _ops(bot)
    await _codes_made(bot)
    async with bot.app[SESSIONS].begin() as session:
        soon = utc_now() + timedelta(days=2, hours=1)
        await session.execute(
            update(ChannelRow).where(ChannelRow.key == "spring_expo").values(qr_expires_at=soon)
        )
    text = _text(await (await bot.get("/admin/channels")).text())
    assert "不能原地续期" in text or "cannot be renewed in place" in text
    page = _text(await (await bot.get("/admin/channels/spring_expo")).text())
    assert "2 天" in page


async def test_a_channels_page_has_its_rota_welcome_staff_and_code(bot: BotClient) -> None:
    await _ops(bot)
    await _codes_made(bot)
    async with bot.app[SESSIONS].begin() as session:
        tally = Tally()
        tally.add("spring_expo", utc_now(), "adds", staff="lisi", n=3)
        await tally.write(session)
    page = await bot.get("/admin/channels/spring_expo", params={"as": "赵先生"})
    assert page.status == 200
    body = await page.text()
    text = _text(body)
    assert "赵先生" in text and ("欢迎来到春季车展" in text or "周末好" in text)
    assert "{name}" not in text
    assert "张三" in text and "李四" in text  # the rota, by name
    staff = text[text.index("按人员") :] if "按人员" in text else text
    assert "3" in staff
    assert 'id="chart-channel-days"' in body and "/admin/channels/spring_expo/qr.png" in body
    png = await bot.get("/admin/channels/spring_expo/qr.png")
    assert png.status == 200 and png.content_type == "image/png"
    assert "attachment" in png.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(await png.read()))
    assert image.height > image.width  # the band with the name under the code


async def test_an_unknown_channel_is_not_found(bot: BotClient) -> None:
    await _ops(bot)
    assert (await bot.get("/admin/channels/no_such")).status == 404
    assert (await bot.get("/admin/channels/store_xuhui/edit")).status == 200
    assert (await bot.get("/admin/channels/no_such/edit")).status == 404


async def test_ops_create_a_channel_through_the_clis_publish(bot: BotClient) -> None:
    csrf = await _ops(bot)
    before = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    form = {**NEW_CHANNEL, "csrf": csrf, "action": "check"}
    checked = await bot.post("/admin/channels/+new", data=form)
    assert checked.status == 200, await checked.text()
    assert 'id="check-passed"' in await checked.text()
    assert await live_version(bot.app[SESSIONS], KIND, SCOPE) == before  # a check publishes nothing
    done = await bot.post("/admin/channels/+new", data={**form, "action": "publish"},
                          allow_redirects=False)  # fmt: skip
    assert done.status == 303, await done.text()
    assert done.headers["Location"].startswith("/admin/channels/poster_metro?published=")
    stored = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    assert stored is not None and stored.version.created_by == "olga"
    parsed = parse_channels(stored.body, "v", channel_context(bot.app[SETTINGS]))
    channel = parsed.table.get("poster_metro")
    assert channel is not None and channel.wecom is not None and channel.qr is not None
    assert (channel.name, channel.group, channel.cost, channel.qr.expire_days) == (
        "地铁海报",
        "广告",
        8000.0,
        7,
    )
    assert channel.wecom.rota.cap == 20 and channel.wecom.rota.backups == ("lisi",)
    assert [s.staff for s in channel.wecom.rota.shifts] == [("zhangsan",)]
    assert "# wxbot demo channels" in stored.body  # the rest of the file as it was written
    assert stored.body.count("[[channel]]") == 4
    # Live in this process within 2 s (the notice), and audited.
    deadline = time.monotonic() + 2
    while bot.app[CHANNELS].table.get("poster_metro") is None:
        assert time.monotonic() < deadline, "the new channel did not go live within 2 s"
        await asyncio.sleep(0.05)
    async with bot.app[SESSIONS]() as session:
        entry = await session.scalar(
            select(AdminAudit).where(AdminAudit.action == "channels.publish")
        )
    assert entry is not None and entry.actor == "olga"
    assert "admin site: new poster_metro" in entry.detail


async def test_a_bad_field_comes_back_with_its_line_and_beside_its_input(bot: BotClient) -> None:
    csrf = await _ops(bot)
    form = {**NEW_CHANNEL, "csrf": csrf, "action": "publish", "cap": "many",
            "shift-0-hours": "18:00-09:00", "qr_expire_days": "90"}  # fmt: skip
    answer = await bot.post("/admin/channels/+new", data=form)
    assert answer.status == 422
    body = await answer.text()
    text = _text(body)
    assert "3 个问题" in text
    # Each problem has its line in the table's TOML and sits beside its own input.
    for name in ("cap", "shift-0-hours", "qr_expire_days"):
        field = body[body.index(f'name="{name}"') :].split("</label>")[0]
        assert 'class="problem' in field and "第" in field, name
    assert await live_version(bot.app[SESSIONS], KIND, SCOPE) is None  # nothing published


async def test_ops_edit_the_rota_and_disable_a_channel(bot: BotClient) -> None:
    csrf = await _ops(bot)
    page = await (await bot.get("/admin/channels/feed_ads/edit")).text()
    assert 'value="lisi zhangsan"' in page  # the rota's shift as the form shows it
    form = {
        "csrf": csrf, "action": "publish", "name": "信息流广告", "group": "广告",
        "cost": "12000", "enabled": "on", "wecom": "on", "wecom_app": "sales", "cap": "10",
        "skip_verify": "on", "shifts": "2", "shift-0-hours": "08:00-12:00",
        "shift-0-staff": "lisi", "shift-1-hours": "12:00-22:00", "shift-1-staff": "zhangsan",
    }  # fmt: skip
    data = [*form.items(), ("shift-0-days", "mon"), ("shift-0-days", "tue"),
            ("shift-1-days", "mon")]  # fmt: skip
    done = await bot.post("/admin/channels/feed_ads/edit", data=data, allow_redirects=False)
    assert done.status == 303, await done.text()
    stored = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    assert stored is not None
    way = parse_channels(stored.body, "v", channel_context(bot.app[SETTINGS])).table.get("feed_ads")
    assert way is not None and way.wecom is not None
    assert way.wecom.rota.cap == 10
    assert [(sorted(s.days), s.staff) for s in way.wecom.rota.shifts] == [
        ([0, 1], ("lisi",)), ([0], ("zhangsan",))]  # fmt: skip
    assert "渠道:春季车展" in stored.body  # the other channels untouched
    off = await bot.post(
        "/admin/channels/feed_ads/enabled",
        data={"csrf": csrf, "enabled": "false"},
        allow_redirects=False,
    )
    assert off.status == 303
    stored = await live_version(bot.app[SESSIONS], KIND, SCOPE)
    assert stored is not None and stored.version.number == 2
    disabled = parse_channels(stored.body, "v", channel_context(bot.app[SETTINGS])).table
    channel = disabled.get("feed_ads")
    assert channel is not None and not channel.enabled


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/admin/channels/+new"), ("POST", "/admin/channels/+new"),
     ("GET", "/admin/channels/feed_ads/edit"), ("POST", "/admin/channels/feed_ads/enabled")],
)  # fmt: skip
async def test_a_viewer_reads_channels_but_changes_none(
    bot: BotClient, method: str, path: str
) -> None:
    await add_user(bot, "vera", "viewer")
    csrf = await sign_in(bot, "vera")
    assert (await bot.get("/admin/channels")).status == 200
    assert (await bot.get("/admin/channels/feed_ads")).status == 200
    answer = await (bot.get(path) if method == "GET" else bot.post(path, data={"csrf": csrf}))
    assert answer.status == 403


async def test_every_page_names_a_channel_from_the_table_even_once_removed(
    bot: BotClient,
) -> None:
    names = bot.app[SITE].channels
    assert (names("spring_expo"), names.group("spring_expo")) == ("春季车展", "线下活动")
    assert (names("qr_no_channel"), names.group("qr_no_channel")) == ("qr_no_channel", "")
    store = ChannelStore(bot.app[SETTINGS], bot.app[SESSIONS], bot.app[CACHE])
    without = DEMO_CHANNELS.read_text(encoding="utf-8").replace('key = "store_xuhui"', 'key = "s2"')
    await store.publish(without, "channels.toml", "test")
    deadline = time.monotonic() + 2
    while bot.app[CHANNELS].table.get("store_xuhui") is not None:
        assert time.monotonic() < deadline, "the table did not swap within 2 s"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # the directory is reread after the swap
    # Gone from the table, still in the directory: its printed codes count under its name.
    assert (names("store_xuhui"), names.group("store_xuhui")) == ("徐汇门店", "门店")


async def test_the_list_is_paged_on_the_key(bot: BotClient) -> None:
    await _ops(bot)
    many = "".join(
        f'[[channel]]\nkey = "c{n:03d}"\nname = "渠道{n:03d}"\n\n' for n in range(PAGE_SIZE + 7)
    )
    store = ChannelStore(bot.app[SETTINGS], bot.app[SESSIONS], bot.app[CACHE])
    await store.publish(many, "channels.toml", "test")
    first = await (await bot.get("/admin/channels")).text()
    keys = re.findall(r'data-key="([^"]+)"', first)
    # The demo's three channels (disabled now, their figures kept) sort among them.
    assert len(keys) == PAGE_SIZE and keys == sorted(keys)
    after = re.search(r'id="next-page" href="([^"]+)"', first)
    assert after is not None
    second = await (await bot.get(html.unescape(after[1]))).text()
    rest = re.findall(r'data-key="([^"]+)"', second)
    assert 'id="next-page"' not in second
    assert sorted({*keys, *rest}) == sorted(
        [f"c{n:03d}" for n in range(PAGE_SIZE + 7)] + ["feed_ads", "spring_expo", "store_xuhui"]
    )
    assert "已停用" in second or "已停用" in first
