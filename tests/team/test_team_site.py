"""The team pages: everyone reads, managers change; refusals are said in the reader's words."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.app_keys import POLICY, SESSIONS
from bot.config.settings import Settings
from bot.runtime.team import local_day
from leads.team import Status
from storage.admin_models import AdminAudit
from storage.lead_models import Lead
from storage.models import Profile
from storage.team.transfer_models import CustomerTransfer
from storage.types import utc_now
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import LEADS_TOML
from tests.leads.helpers import eventually


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config, LEADS_TOML)


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


async def test_everyone_reads_the_team(bot: BotClient) -> None:
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get("/admin/team")).text()
    assert '<a href="/admin/team/zhangsan" translate="no">张三</a>' in page
    assert "0 / 上限 1" in page  # wangwu: max_open 1
    member = await (await bot.get("/admin/team/lisi")).text()
    assert "没有未结线索" in member
    assert 'id="leave-form"' not in member  # a viewer sees no forms
    assert (await bot.get("/admin/team/nobody")).status == 404


async def test_managers_give_leave_and_others_cannot(bot: BotClient) -> None:
    await add_user(bot, "olga", "ops")
    await add_user(bot, "mia", "manager")
    until = local_day(utc_now()).toordinal() + 3
    day = type(local_day(utc_now())).fromordinal(until).isoformat()
    csrf = await sign_in(bot, "olga")
    refused = await bot.post("/admin/team/lisi/leave", data={"csrf": csrf, "until": day})
    assert refused.status == 403
    await bot.post("/admin/logout", data={"csrf": csrf})
    csrf = await sign_in(bot, "mia")
    page = await bot.post(
        "/admin/team/lisi/leave", data={"csrf": csrf, "until": day, "deputy": "lisi"}
    )
    text = await page.text()
    assert '<div class="notice error" id="error">无法安排 lisi 休假' in text
    assert "<li>lisi 不能做自己的代理人</li>" in text
    page = await bot.post(
        "/admin/team/lisi/leave", data={"csrf": csrf, "until": day, "deputy": "zhangsan"}
    )
    text = await page.text()
    assert f'<div class="notice ok" id="done">休假至 {day}</div>' in text
    assert f"{day} 回岗" in text

    async def away() -> bool:
        rep = bot.app[POLICY].rep("lisi")
        return rep is not None and rep.status == Status.AWAY

    await eventually(away)
    async with bot.app[SESSIONS]() as session:
        audit = await session.scalar(select(AdminAudit).where(AdminAudit.action == "team.leave"))
    assert audit is not None and audit.actor == "mia"
    audit_page = await (await bot.get("/admin/audit")).text()
    assert "安排了销售休假" in audit_page


async def test_a_manager_edits_someone_and_a_wrong_cap_is_said(bot: BotClient) -> None:
    await add_user(bot, "mia", "manager")
    csrf = await sign_in(bot, "mia")
    form = {"csrf": csrf, "name": "王五", "tags": "杭州，苏州", "manager": "boss", "deputy": ""}
    text = await (
        await bot.post("/admin/team/wangwu/edit", data={**form, "max_open": "abc"})
    ).text()
    assert '<div class="notice error" id="error">无法修改 wangwu' in text
    assert "<li>线索上限须为整数，填写的是 abc</li>" in text
    text = await (await bot.post("/admin/team/wangwu/edit", data={**form, "max_open": "3"})).text()
    assert '<div class="notice ok" id="done">已保存</div>' in text
    assert "0 / 上限 3" in text

    async def edited() -> bool:
        rep = bot.app[POLICY].rep("wangwu")
        return rep is not None and rep.max_open == 3 and rep.tags == ("杭州", "苏州")

    await eventually(edited)


async def test_the_handover_page_shows_each_handovers_customer_transfers(bot: BotClient) -> None:
    now = utc_now()
    lead_ids = []
    async with bot.app[SESSIONS].begin() as session:
        for external in ("wmSite", None):
            profile = Profile(created_at=now, updated_at=now)
            session.add(profile)
            await session.flush()
            lead = Lead(profile_id=profile.id, state="contacting", owner="zhangsan",
                        active_at=now, external_userid=external, created_at=now)  # fmt: skip
            session.add(lead)
            await session.flush()
            lead_ids.append(lead.id)
    await add_user(bot, "mia", "manager")
    csrf = await sign_in(bot, "mia")
    done = await bot.post(
        "/admin/team/zhangsan/handover", data={"csrf": csrf, "mode": "person", "to": "lisi"}
    )
    assert done.status == 200
    page = await (await bot.get("/admin/team/zhangsan")).text()
    row = page[page.index('id="transfers-1"') :]
    row = row[: row.index("</td></tr>")]
    assert "企业微信客户" in row and "离职继承" not in row  # zhangsan is still employed
    assert f'<a href="/admin/leads/{lead_ids[0]}">线索 #{lead_ids[0]}</a>' in row
    assert f"线索 #{lead_ids[1]}" not in row  # no customer, no transfer
    # Whatever the outbox reached by now, one customer in one state; then a refusal reads so.
    assert row.count("data-state=") == 1
    async with bot.app[SESSIONS].begin() as session:
        await session.execute(update(CustomerTransfer).values(state="refused"))
    page = await (await bot.get("/admin/team/zhangsan")).text()
    assert '<span class="badge red" data-state="refused">客户拒绝 1</span>' in page
