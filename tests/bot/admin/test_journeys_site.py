"""The journeys pages: each journey's figures, one journey's table and funnel, and 404s."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import create_app
from bot.app_keys import SESSIONS
from bot.config.settings import Settings
from storage import journey_repo as repo
from storage.identities import resolve_profile
from storage.journey_models import DONE, EXITED
from storage.lead_models import Lead
from storage.types import utc_now
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import LEADS_TOML

# Segment-only journeys: nobody enters by themselves while the test sets up its runs,
# and the waits are long, so the bot's own scheduler fires nothing during a test.
JOURNEYS = """
[[journey]]
name = "nurture"
trigger = "segment"
  [[journey.step]]
  wait = "3d"
  action = "text"
  text = "one"
  [[journey.step]]
  wait = "2d"
  action = "add_tags"
  tags = ["培育"]
  [[journey.step]]
  wait = "1d"
  action = "text"
  text = "three"

[[journey]]
name = "quiet"
trigger = "segment"
  [[journey.step]]
  wait = "7d"
  action = "text"
  text = "hello"
"""


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    (tmp_path / "journeys.toml").write_text(JOURNEYS, encoding="utf-8")
    return site_settings(write_config, extra=LEADS_TOML + '\n[journeys]\nfile = "journeys.toml"\n')


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


async def _people_in_nurture(bot: BotClient) -> None:
    """Six people enter "nurture"; where they end up:

    - p1, p2: still waiting at step 1 (nothing fired)
    - p3: step 1 fired, waiting at step 2
    - p4: step 1 fired, then exited ("exit: lead:any") while waiting at step 2
    - p5: all three steps fired, finished
    - p6: exited at once, before any step ("restarted")
    p4 and p5 became leads after entering; p5's lead is won. p7 is a lead from
    before any run, in no journey: it must not count.
    """
    now = utc_now()
    async with bot.app[SESSIONS].begin() as session:
        people = [
            await resolve_profile(session, "openid", "main", f"o_j{n}", now) for n in range(1, 8)
        ]
        session.add(Lead(profile_id=people[6], state="new", active_at=now, created_at=now))
        await session.flush()
        later = now + timedelta(minutes=1)
        due = now + timedelta(days=3)
        ids = await repo.enter_runs(
            session, "nurture", people[:6], trigger="test", due_at=due, now=later
        )
        assert len(ids) == 6
        future = now + timedelta(days=2)
        await repo.settle(
            session,
            [
                repo.RunUpdate(ids[2], 1, future),
                repo.RunUpdate(ids[3], 1, None, EXITED, "exit: lead:any", later),
                repo.RunUpdate(ids[4], 3, None, DONE, "finished", later),
                repo.RunUpdate(ids[5], 0, None, EXITED, "restarted", later),
            ],
        )
        converted = now + timedelta(minutes=2)
        for person, state in ((people[3], "contacted"), (people[4], "won")):
            session.add(Lead(profile_id=person, state=state, active_at=now, created_at=converted))


def _cell(page: str, journey: str, column: str) -> str:
    row = page.split(f'data-journey="{journey}"', 1)[1].split("</tr>", 1)[0]
    found = re.search(rf'class="num {column}">(\d+)<', row)
    assert found, (journey, column, row)
    return found.group(1)


def _funnel(page: str) -> list[dict[str, object]]:
    embedded = page.split('<script type="application/json" id="journey-figures">', 1)[1]
    figures = json.loads(embedded.split("</script>", 1)[0])
    funnel = figures["funnel"]
    assert isinstance(funnel, list)
    return funnel


async def test_the_list_shows_each_journeys_figures(bot: BotClient) -> None:
    await _people_in_nurture(bot)
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get("/admin/journeys")).text()
    assert 'href="/admin/journeys"' in page  # in the nav
    assert 'href="/admin/journeys/nurture"' in page
    expected = {"entered": "6", "active": "3", "lead": "2", "won": "1"}
    assert {column: _cell(page, "nurture", column) for column in expected} == expected
    assert [_cell(page, "quiet", column) for column in expected] == ["0", "0", "0", "0"]


async def test_a_journeys_page_shows_the_stats_figures_and_the_funnel(bot: BotClient) -> None:
    await _people_in_nurture(bot)
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    response = await bot.get("/admin/journeys/nurture")
    assert response.status == 200
    page = await response.text()
    assert '<div class="value" id="entered">6</div>' in page
    steps = page.split('<table class="table" id="steps">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'class="num waiting">(\d+)<', steps) == ["2", "1", "0"]
    assert re.findall(r'class="num fired">(\d+)<', steps) == ["3", "1", "1"]
    assert "文本消息 <div" in steps and "等待 3天" in steps
    assert "加标签 <div" in steps and "等待 2天" in steps
    ended = page.split('<table class="table" id="ended">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'class="reason">(.*?)</td><td class="num count">(\d+)<', ended, re.S)
    assert [(" ".join(re.sub("<[^>]+>", "", text).split()), n) for text, n in rows] == [
        ("已完成 · 走完全部步骤", "1"),
        ("已退出 · 满足退出条件 lead:any", "1"),
        ("已退出 · 重新开始", "1"),
    ]
    assert '<div class="value" id="converted-lead">2</div>' in page
    assert '<div class="value" id="converted-won">1</div>' in page
    assert [stage["value"] for stage in _funnel(page)] == [6, 3, 1, 1, 2, 1]
    assert "/admin/static/echarts.min.js" in page and "/admin/static/journey.js" in page
    assert (await bot.get("/admin/static/journey.js")).status == 200


async def test_the_funnel_names_each_stage(bot: BotClient) -> None:
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get("/admin/journeys/quiet")).text()
    assert _funnel(page) == [
        {"name": "进入", "value": 0},
        {"name": "第 1 步", "value": 0},
        {"name": "成为线索", "value": 0},
        {"name": "成交", "value": 0},
    ]


async def test_an_unknown_journey_is_not_found(bot: BotClient) -> None:
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    assert (await bot.get("/admin/journeys/nope")).status == 404


async def test_the_journeys_pages_need_a_sign_in(bot: BotClient) -> None:
    response = await bot.get("/admin/journeys/nurture", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login?next=/admin/journeys/nurture"


async def test_without_journeys_the_list_says_so(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    bot = await aiohttp_client(create_app(site_settings(write_config)))
    await add_user(bot, "vera", "viewer")
    await sign_in(bot, "vera")
    page = await (await bot.get("/admin/journeys")).text()
    assert "未配置培育旅程" in page
    assert (await bot.get("/admin/journeys/nurture")).status == 404
