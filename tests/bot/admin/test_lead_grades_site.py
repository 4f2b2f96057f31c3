"""Lead grades on the admin site: the board's grade filter, each card's grade, the lead's
grade and how it got there."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.app_keys import SESSIONS
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from storage.identities import resolve_profile
from storage.lead_models import Lead
from storage.types import utc_now
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.bot.helpers import exchange
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import GRADES_TOML, LEADS_TOML
from tests.leads.helpers import eventually

_CARD = re.compile(
    r'<a class="name" href="/admin/leads/(\d+)">.*?</a>\s*'
    r'(?:<span class="grade[^"]*"[^>]*>(\w+)</span>)?',
    re.S,
)


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config, extra=LEADS_TOML + GRADES_TOML)


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


async def _graded_leads(bot: BotClient, player: WeChatPlayer) -> tuple[int, int, int]:
    """Lead ids: one graded C by the bot (a phone, nothing else), one A, one ungraded."""
    await exchange(bot, player, player.text("o_c", "电话13800138000"))

    async def graded() -> Lead | None:
        async with bot.app[SESSIONS]() as session:
            return await session.scalar(select(Lead).where(Lead.grade.is_not(None)))

    c = await eventually(graded)
    assert c.grade == "C"
    now = utc_now()
    async with bot.app[SESSIONS].begin() as session:
        ids = []
        for openid, grade in (("o_a", "A"), ("o_none", None)):
            profile = await resolve_profile(session, "openid", "main", openid, now)
            lead = Lead(profile_id=profile, state="new", active_at=now, grade=grade)
            session.add(lead)
            await session.flush()
            ids.append(lead.id)
    return c.id, ids[0], ids[1]


async def _cards(bot: BotClient, query: str) -> dict[int, str | None]:
    """The board's cards: lead id → the grade the card shows."""
    response = await bot.get(f"/admin/leads?{query}")
    assert response.status == 200
    board = (await response.text()).split('id="board"', 1)[1]
    return {int(lead): grade or None for lead, grade in _CARD.findall(board)}


async def test_the_grade_filter_shows_only_leads_of_that_grade(
    bot: BotClient, player: WeChatPlayer
) -> None:
    c, a, ungraded = await _graded_leads(bot, player)
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    assert await _cards(bot, "") == {c: "C", a: "A", ungraded: None}
    assert await _cards(bot, "grade=C") == {c: "C"}
    assert await _cards(bot, "grade=A") == {a: "A"}
    assert await _cards(bot, "by=owner&grade=A") == {a: "A"}
    # With a tag too, the board takes its ranked path: the grade still applies.
    assert await _cards(bot, "grade=C&tag=留资") == {c: "C"}
    assert await _cards(bot, "grade=A&tag=留资") == {}
    assert await _cards(bot, "grade=B") == {}


async def test_the_filter_form_lists_the_configured_grades(bot: BotClient) -> None:
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get("/admin/leads?grade=B")).text()
    select_ = page.split('<select name="grade">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select_) == ["不限", "A", "B", "C"]
    assert '<option value="B" selected>B</option>' in select_


async def test_the_lead_page_shows_the_grade_and_its_history(
    bot: BotClient, player: WeChatPlayer
) -> None:
    c, a, ungraded = await _graded_leads(bot, player)
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get(f"/admin/leads/{c}")).text()
    assert _grade(page) == "C 未分级 → C"
    timeline = page.split('id="timeline"', 1)[1]
    assert '<span class="what">等级</span>' in timeline and "未分级 → C" in timeline
    assert _grade(await (await bot.get(f"/admin/leads/{a}")).text()) == "A"
    assert _grade(await (await bot.get(f"/admin/leads/{ungraded}")).text()) == "未分级"


def _grade(page: str) -> str:
    """The lead page's grade line as it reads."""
    cell = page.split('<dd id="grade">', 1)[1].split("</dd>", 1)[0]
    return " ".join(re.sub("<[^>]+>", " ", cell).split())


async def test_without_grades_the_board_has_no_grade_filter(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    bot = await aiohttp_client(create_app(site_settings(write_config, extra=LEADS_TOML)))
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    assert 'name="grade"' not in await (await bot.get("/admin/leads")).text()
