"""Outbox, leads and people pages: what they show, escaping of followers' text on every
page that shows it, phone masking for viewers, and Retry of a failed job."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.app import create_app
from bot.app_keys import SESSIONS
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from leads.alerts import text_job
from leads.jobs import LEAD_ALERT
from storage.lead_models import Lead
from storage.outbox import Outbox
from storage.outbox_listing import JobState, list_jobs
from tests.bot.admin.site_helpers import BotClient, add_user, csrf_of, sign_in, site_settings
from tests.bot.helpers import exchange
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import LEADS_TOML

HOSTILE = "<script>alert('x')</script><b>粗体</b>"
PHONE = "13800138000"


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config, extra=LEADS_TOML)


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


async def _lead_from_hostile_text(bot: BotClient, player: WeChatPlayer) -> None:
    await exchange(bot, player, player.text("o_hostile", f"{HOSTILE} 电话{PHONE}"))
    started = time.monotonic()
    while not any(
        job.kind == LEAD_ALERT.name
        for job in await list_jobs(bot.app[SESSIONS], state=JobState.DONE, limit=50)
    ):
        assert time.monotonic() - started < 5, "no lead alert was sent"
        await asyncio.sleep(0.05)


async def _pages(bot: BotClient) -> dict[str, str]:
    pages = {}
    for path in ("/admin/leads/1", "/admin/people?q=o_hostile", "/admin/outbox?state=done"):
        response = await bot.get(path)
        assert response.status == 200, path
        pages[path] = await response.text()
    tried = await bot.post(
        "/admin/try/run",
        data={"csrf": await _csrf(bot), "account": "main", "kind": "text", "value": HOSTILE},
    )
    pages["try"] = await tried.text()
    return pages


async def _csrf(bot: BotClient) -> str:
    return csrf_of(await (await bot.get("/admin/users")).text())


async def test_followers_text_is_shown_escaped_on_every_page(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "olga", "ops")
    await sign_in(bot, "olga")
    for path, page in (await _pages(bot)).items():
        assert "<script>alert" not in page, path
        assert "<b>粗体" not in page, path
        assert "&lt;script&gt;" in page or "&lt;b&gt;" in page, path


async def test_the_outbox_shows_the_lead_alert_card_readably(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "olga", "ops")
    await sign_in(bot, "olga")
    page = await (await bot.get("/admin/outbox?state=done")).text()
    assert 'class="wecom-card"' in page
    assert "线索 #1" in page
    assert PHONE in page
    assert "认领" in page


async def test_viewers_see_phone_numbers_masked(bot: BotClient, player: WeChatPlayer) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    # Found by the phone the viewer typed, the profile still shows it masked.
    found = await bot.get(f"/admin/people?q={PHONE}")
    assert found.url.path == "/admin/people/1"
    profile = await found.text()
    assert PHONE not in profile
    assert "138****8000" in profile
    lead = await (await bot.get("/admin/leads/1")).text()
    assert PHONE not in lead
    assert "138****8000" in lead


async def test_the_lead_board_by_state_and_by_salesperson(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "mia", "manager")
    await sign_in(bot, "mia")
    by_state = await (await bot.get("/admin/leads")).text()
    assert 'href="/admin/leads/1"' in by_state
    by_owner = await (await bot.get("/admin/leads?by=owner")).text()
    assert '<span translate="no">张三</span>' in by_owner
    assert 'href="/admin/leads/1"' in by_owner
    filtered = await (await bot.get("/admin/leads?state=won")).text()
    assert 'href="/admin/leads/1"' not in filtered
    tagged = await (await bot.get("/admin/leads?tag=留资")).text()
    assert 'href="/admin/leads/1"' in tagged
    other_tag = await (await bot.get("/admin/leads?tag=试驾意向")).text()
    assert 'href="/admin/leads/1"' not in other_tag


async def test_ops_retry_a_failed_job_and_viewers_cannot(bot: BotClient) -> None:
    outbox = Outbox(bot.app[SESSIONS])
    await outbox.enqueue([text_job("sales", ["zhangsan"], "补发的通知", None)])
    [job] = await list_jobs(bot.app[SESSIONS], state=JobState.PENDING, limit=5) or await list_jobs(
        bot.app[SESSIONS], state=JobState.DONE, limit=5
    )
    await outbox.fail(job.id, "errcode 60020: not allowed ip")
    await add_user(bot, "vera", "viewer")
    await add_user(bot, "olga", "ops")
    csrf = await sign_in(bot, "vera")
    failed = await (await bot.get("/admin/outbox?state=failed")).text()
    assert "errcode 60020" in failed
    refused = await bot.post(f"/admin/outbox/{job.id}/retry", data={"csrf": csrf})
    assert refused.status == 403
    await bot.post("/admin/logout", data={"csrf": csrf})
    csrf = await sign_in(bot, "olga")
    retried = await bot.post(
        f"/admin/outbox/{job.id}/retry", data={"csrf": csrf}, allow_redirects=False
    )
    assert retried.status == 303
    assert not await list_jobs(bot.app[SESSIONS], state=JobState.FAILED, limit=5)


async def test_the_dashboard_draws_from_the_periods_figures(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "mia", "manager")
    await sign_in(bot, "mia")
    page = await (await bot.get("/admin/?days=7")).text()
    assert "/admin/static/echarts.min.js" in page
    embedded = page.split('<script type="application/json" id="figures">', 1)[1]
    figures = json.loads(embedded.split("</script>", 1)[0])
    assert {"name": "线索", "value": 1} in figures["funnel"]
    assert sum(figures["messages"]) == 1
    assert '<div class="value" id="kpi-leads">1</div>' in page
    assert "<script>alert" not in page
    static = await bot.get("/admin/static/echarts.min.js")
    assert static.status == 200


async def test_managers_reassign_leads_and_others_cannot(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "olga", "ops")
    await add_user(bot, "mia", "manager")
    csrf = await sign_in(bot, "olga")
    refused = await bot.post("/admin/leads/1/reassign", data={"csrf": csrf, "owner": "lisi"})
    assert refused.status == 403
    await bot.post("/admin/logout", data={"csrf": csrf})
    csrf = await sign_in(bot, "mia")
    page = await bot.post("/admin/leads/1/reassign", data={"csrf": csrf, "owner": "lisi"})
    text = await page.text()
    assert "线索 #1 已转给 李四" in text
    # The timeline names the admin account.
    assert '<span translate="no">mia</span> <span class="muted">（后台）</span>' in text
    async with bot.app[SESSIONS]() as session:
        lead = await session.get(Lead, 1)
        assert lead is not None
        assert lead.owner == "lisi"
    audit = await (await bot.get("/admin/audit")).text()
    assert "<td>转派线索</td>" in audit
    assert "转给 李四" in audit


async def test_ids_past_what_a_row_can_hold_name_nothing(bot: BotClient) -> None:
    """A hand-made URL with a 10-digit id or `before` is a 404 or the first page, not a 500."""
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    for path in ("/admin/leads/99999999999", "/admin/people/99999999999"):
        assert (await bot.get(path)).status == 404, path
    for path in ("/admin/outbox?before=99999999999", "/admin/audit?before=99999999999"):
        assert (await bot.get(path)).status == 200, path


async def test_managers_reassign_from_the_board_and_come_back_to_it(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _lead_from_hostile_text(bot, player)
    await add_user(bot, "mia", "manager")
    csrf = await sign_in(bot, "mia")
    board = await (await bot.get("/admin/leads?by=owner")).text()
    action = '/admin/leads/1/reassign?next=/admin/leads%3Fby%3Downer"'
    assert f'action="{action}' in board
    response = await bot.post(
        action.removesuffix('"'), data={"csrf": csrf, "owner": "wangwu"}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"].startswith("/admin/leads?by=owner&done=")
    page = await (await bot.get(response.headers["Location"])).text()
    assert '<div class="notice ok" id="done">线索 #1 已转给 王五</div>' in page
    lane = page.split('<span translate="no">王五</span>', 1)[1].split("</section>", 1)[0]
    assert 'href="/admin/leads/1"' in lane
