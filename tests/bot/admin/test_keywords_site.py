"""Keyword tables on the admin site: the grid, its validation, try a message, publish
(reaching the live tables as the CLI's publish does), upload, download, rollback."""

from __future__ import annotations

import asyncio
import html
import io
import re
import time

import pytest
from aiohttp import FormData

from bot.admin.catalogs import Lang, load_translations
from bot.admin.keys import SITE
from bot.admin.reader import Reader
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from keywords.table_csv import parse_table
from keywords.table_xlsx import parse_workbook
from tests.bot.admin.site_helpers import (
    BotClient,
    add_user,
    cell_of,
    grid_fields,
    sign_in,
    site_settings,
)
from tests.bot.helpers import exchange
from tests.conftest import KEYWORDS_CSV, ConfigWriter

GRID = "/admin/keywords/main"


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config)


async def _ops(bot: BotClient) -> str:
    await add_user(bot, "olga", "ops")
    return await sign_in(bot, "olga")


async def _reply(bot: BotClient, player: WeChatPlayer, text: str) -> str:
    reply = await exchange(bot, player, player.text("o_follower", text))
    return reply.get("Content", "")


async def test_the_grid_shows_the_live_rules(bot: BotClient) -> None:
    await _ops(bot)
    page = await (await bot.get(GRID)).text()
    fields = grid_fields(page)
    assert int(fields["rows"]) == len(parse_table(KEYWORDS_CSV, "x").rules)
    assert fields[cell_of(fields, "price", "reply")] == "我们的价格表：https://example.com/price"


async def test_a_bad_cell_shows_the_clis_message_next_to_it(bot: BotClient) -> None:
    csrf = await _ops(bot)
    fields = grid_fields(await (await bot.get(GRID)).text())
    fields[cell_of(fields, "price", "trigger")] = "bogus"
    response = await bot.post(f"{GRID}/edit", data={**fields, "csrf": csrf, "action": "preview"})
    assert response.status == 422
    page = await response.text()
    cell = re.search(r'<td class="bad">\s*<select name="c-0-trigger"(.*?)</td>', page, re.S)
    assert cell, page
    assert '<option value="bogus" selected>' in cell.group(1)  # kept, to be seen and fixed
    expected = parse_table(KEYWORDS_CSV.replace("price,text", "price,bogus"), "x").errors[0]
    assert expected.column == "trigger"
    # The CLI's own problem, in the reader's language.
    chinese = Reader(Lang.ZH, load_translations()[Lang.ZH]).words(expected.text)
    assert chinese.startswith("未知取值「bogus」")
    # Right under the row, from the cell's column on, naming the column.
    problem = page.split('<tr class="row-problem">', 1)[1].split('<span class="problem">', 1)[1]
    problem = problem.split("</span></td></tr>", 1)[0]
    assert html.unescape(re.sub("<[^>]+>", "", problem)) == f"↑ 触发方式：{chinese}"
    assert '<span translate="no">bogus</span>' in problem  # the value typed is data


async def test_edit_try_preview_publish_and_a_callback_gets_the_new_reply(
    bot: BotClient, player: WeChatPlayer
) -> None:
    csrf = await _ops(bot)
    fields = grid_fields(await (await bot.get(GRID)).text())
    fields[cell_of(fields, "hello", "reply")] = "您好，新回复"
    tried = await bot.post(
        "/admin/try/run",
        data={**fields, "csrf": csrf, "account": "main", "kind": "text", "value": "你好",
              "use_draft": "1"},
    )  # fmt: skip
    assert "您好，新回复" in await tried.text()
    live = await bot.post(
        "/admin/try/run", data={"csrf": csrf, "account": "main", "kind": "text", "value": "你好"}
    )
    assert "你好呀" in await live.text()
    preview = await bot.post(f"{GRID}/edit", data={**fields, "csrf": csrf, "action": "preview"})
    page = await preview.text()
    assert preview.status == 200
    change = page.split('<tr data-rule="hello">', 1)[1].split("</tr>", 1)[0]
    assert '<del translate="no">你好呀</del>' in change
    assert '<ins translate="no">您好，新回复</ins>' in change
    table_csv = re.search(r'name="table_csv" value="([^"]*)"', page)
    assert table_csv
    published = await bot.post(
        f"{GRID}/publish",
        data={"csrf": csrf, "table_csv": html.unescape(table_csv.group(1)), "note": "friendlier"},
        allow_redirects=False,
    )
    assert published.status == 303
    started = time.monotonic()
    while await _reply(bot, player, "你好") != "您好，新回复":
        assert time.monotonic() - started < 2.0, "the publish did not reach the live table"
        await asyncio.sleep(0.05)
    history = await (await bot.get(f"{GRID}/history")).text()
    assert "olga" in history
    assert "friendlier" in history
    audit = await bot.app[SITE].users.audit_log(5)
    assert (audit[0].actor, audit[0].action, audit[0].target) == (
        "olga",
        "keywords.publish",
        "main",
    )


async def test_try_explains_click_scene_and_time_of_day(bot: BotClient) -> None:
    csrf = await _ops(bot)
    click = await bot.post(
        "/admin/try/run",
        data={"csrf": csrf, "account": "main", "kind": "click", "value": "MENU_PRICE"},
    )
    assert "menu_price" in await click.text()
    scene = await bot.post(
        "/admin/try/run",
        data={"csrf": csrf, "account": "main", "kind": "subscribe", "value": "spring_expo",
              "at": "09:30"},
    )  # fmt: skip
    text = await scene.text()
    assert "expo" in text
    assert "渠道:春季车展" in text
    assert "20" in text
    beaten = await bot.post(
        "/admin/try/run",
        data={"csrf": csrf, "account": "main", "kind": "text", "value": "试驾价格"},
    )
    text = await beaten.text()
    assert '<code id="try-rule" translate="no">price</code>' in text
    assert '<code translate="no">drive</code>' in text


async def test_viewers_see_the_grid_but_cannot_publish(bot: BotClient) -> None:
    await add_user(bot, "vera", "viewer")
    csrf = await sign_in(bot, "vera")
    page = await (await bot.get(GRID)).text()
    assert "readonly" in page
    assert 'id="preview"' not in page
    response = await bot.post(f"{GRID}/publish", data={"csrf": csrf, "table_csv": KEYWORDS_CSV})
    assert response.status == 403
    edit = await bot.post(f"{GRID}/edit", data={"csrf": csrf, "rows": "0", "action": "preview"})
    assert edit.status == 403
    assert await bot.app[SITE].users.audit_log(5) == [] or all(
        e.action != "keywords.publish" for e in await bot.app[SITE].users.audit_log(5)
    )


async def test_upload_fills_the_grid_and_downloads_give_both_formats(bot: BotClient) -> None:
    csrf = await _ops(bot)
    uploaded = KEYWORDS_CSV.replace("你好呀", "上传的回复")
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", io.BytesIO(uploaded.encode()), filename="t.csv", content_type="text/csv")
    response = await bot.post(f"{GRID}/upload", data=form)
    fields = grid_fields(await response.text())
    assert fields[cell_of(fields, "hello", "reply")] == "上传的回复"
    csv_file = await bot.get(f"{GRID}/export?format=csv")
    assert "attachment" in csv_file.headers["Content-Disposition"]
    rules = parse_table(KEYWORDS_CSV, "x").rules
    assert parse_table((await csv_file.read()).decode("utf-8-sig"), "y").rules == rules
    xlsx = await bot.get(f"{GRID}/export?format=xlsx")
    assert parse_workbook(await xlsx.read(), "z").rules == rules


async def test_rollback_from_history(bot: BotClient, player: WeChatPlayer) -> None:
    csrf = await _ops(bot)
    for reply in ("第一版", "第二版"):
        table = KEYWORDS_CSV.replace("你好呀", reply)
        response = await bot.post(
            f"{GRID}/publish", data={"csrf": csrf, "table_csv": table}, allow_redirects=False
        )
        assert response.status == 303
    response = await bot.post(
        "/admin/keywords/rollback/1", data={"csrf": csrf}, allow_redirects=False
    )
    assert response.status == 303
    started = time.monotonic()
    while await _reply(bot, player, "你好") != "第一版":
        assert time.monotonic() - started < 2.0
        await asyncio.sleep(0.05)


async def test_a_missed_phrase_becomes_a_prefilled_row(
    bot: BotClient, player: WeChatPlayer
) -> None:
    await _ops(bot)
    for openid in ("o_a", "o_b"):
        await exchange(bot, player, player.text(openid, "<i>发票</i>怎么开"))
    page = await (await bot.get("/admin/reports?account=main&days=7")).text()
    assert "<i>发票" not in page
    assert "&lt;i&gt;发票&lt;/i&gt;怎么开" in page
    assert "从未命中" in page  # rules that never fired are listed
    assert "24 小时内点击菜单、留下手机号或成为线索" in page
    link = re.search(r'href="(/admin/keywords/main\?prefill=[^"]+)"', page)
    assert link, page
    grid = grid_fields(await (await bot.get(html.unescape(link.group(1)))).text())
    last = int(grid["rows"]) - 1
    assert grid[f"c-{last}-trigger"] == "text"
    assert grid[f"c-{last}-keywords"] in page
    assert grid[f"c-{last}-rule"] == ""


async def test_a_news_reply_is_shown_as_article_cards(bot: BotClient) -> None:
    csrf = await _ops(bot)
    fields = grid_fields(await (await bot.get(GRID)).text())
    fields[cell_of(fields, "hello", "reply_type")] = "news"
    fields[cell_of(fields, "hello", "reply")] = (
        '[{"title": "春季<b>车展</b>", "description": "五折", "url": "https://example.com/a"}]'
    )
    tried = await bot.post(
        "/admin/try/run",
        data={**fields, "csrf": csrf, "account": "main", "kind": "text", "value": "你好",
              "use_draft": "1"},
    )  # fmt: skip
    page = await tried.text()
    assert '<div class="title" translate="no">春季&lt;b&gt;车展&lt;/b&gt;</div>' in page
    assert "https://example.com/a" in page
