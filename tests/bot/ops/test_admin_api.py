"""The admin HTTP API for keyword tables, over real HTTP with a bearer token."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.config.settings import Settings
from bot.errors import SettingsError
from bot.testing.wechat_player import WeChatPlayer
from keywords.table_csv import parse_table
from keywords.table_xlsx import parse_workbook
from tests.bot.helpers import exchange
from tests.conftest import ClientFactory, ConfigWriter
from tests.keywords_ops.tables import BROKEN, V1, V2

TOKEN = "admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
API = "/admin/api/keywords"
BotClient = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return write_config(extra=f'\n[admin]\ntoken = "{TOKEN}"\n')


async def post(bot: BotClient, path: str, body: object) -> tuple[int, dict[str, object]]:
    response = await bot.post(f"{API}/{path}", json=body, headers=AUTH)
    return response.status, await response.json()


async def get(bot: BotClient, path: str) -> tuple[int, dict[str, object]]:
    response = await bot.get(f"{API}/{path}", headers=AUTH)
    return response.status, await response.json()


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}]
)
async def test_a_valid_bearer_token_is_required(bot: BotClient, headers: dict[str, str]) -> None:
    response = await bot.get(f"{API}/history", headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_no_token_configured_means_no_admin_api(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(create_app(write_config()))
    response = await client.get(f"{API}/history", headers={"Authorization": "Bearer "})
    assert response.status == 404


async def test_check_lists_problems_with_line_and_column(bot: BotClient) -> None:
    status, body = await post(bot, "check", {"table": BROKEN})
    assert status == 200
    assert body["ok"] is False
    problems = body["problems"]
    assert isinstance(problems, list)
    assert {(p["line"], p["column"]) for p in problems} >= {(2, "trigger"), (3, "keywords")}
    texts = {p["text"] for p in problems}
    assert "table.csv:3: rule: duplicate rule name 'price' (lines 2 and 3)" in texts
    assert any(
        str(text).startswith("table.csv:3: keywords: regex '[ab' does not") for text in texts
    )


async def test_publish_goes_live_and_rollback_restores(
    bot: BotClient, player: WeChatPlayer
) -> None:
    status, body = await post(bot, "publish", {"account": "main", "table": V2, "by": "alice"})
    assert status == 201
    assert (body["version"], body["by"], body["live"]) == (1, "alice", True)
    assert body["added"] == ["invoice"]
    assert await _reply_soon(bot, player, "发票", "发票请找财务")
    status, body = await post(bot, "rollback", {"version": 1, "by": "bob"})
    assert status == 201
    assert body["note"] == "rollback to version 1"
    status, history = await get(bot, "history?account=main")
    versions = history["versions"]
    assert isinstance(versions, list)
    assert [(v["version"], v["live"]) for v in versions] == [(2, True), (1, False)]


async def test_publish_refuses_errors_with_the_same_messages(bot: BotClient) -> None:
    status, body = await post(bot, "publish", {"account": "main", "table": BROKEN})
    assert status == 422
    assert body["error"] == "the table has errors"
    problems = body["problems"]
    assert isinstance(problems, list)
    assert any(p["column"] == "trigger" and p["line"] == 2 for p in problems)
    assert (await get(bot, "history"))[1] == {"versions": []}


async def test_publish_an_xlsx_and_export_both_formats(bot: BotClient) -> None:
    status, exported = await get(bot, "export?account=main&format=xlsx")
    xlsx = exported["xlsx"]
    assert status == 200
    assert isinstance(xlsx, str)
    status, body = await post(bot, "publish", {"account": "main", "xlsx": xlsx})
    assert (status, body["summary"]) == (201, "no changes")
    await post(bot, "publish", {"account": "main", "table": V1})
    status, exported = await get(bot, "export?account=main")
    table = exported["table"]
    assert isinstance(table, str)
    assert parse_table(table, "x").rules == parse_table(V1, "y").rules
    _, exported = await get(bot, "export?account=main&format=xlsx")
    data = base64.b64decode(str(exported["xlsx"]))
    assert parse_workbook(data, "x").rules == parse_table(V1, "y").rules


async def test_test_explains_live_and_unpublished_tables(bot: BotClient) -> None:
    status, body = await post(bot, "test", {"account": "main", "text": "试驾价格"})
    assert status == 200
    assert body["fires"] == {"rule": "price", "trigger": "text", "match": "contains",
                             "keyword": "价格", "priority": 10, "hours": None}  # fmt: skip
    assert body["beat"] == [{"rule": "drive", "trigger": "text", "match": "word",
                             "keyword": "试驾", "priority": 0, "hours": None}]  # fmt: skip
    assert (body["tags"], body["points"]) == (["询价"], 30)
    status, body = await post(bot, "test", {"account": "main", "table": V2, "text": "开发票"})
    fires = body["fires"]
    assert isinstance(fires, dict)
    assert (status, fires["rule"], body["replies"]) == (200, "invoice", ["发票请找财务"])
    status, body = await post(bot, "test", {"account": "main", "click": "MENU_PRICE"})
    assert body["replies"] == ["点击查看价格"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("test", {"account": "nope", "text": "x"}, 404),
        ("test", {"account": "main"}, 400),
        ("rollback", {"version": 7}, 404),
        ("rollback", {"version": "7"}, 400),
        ("publish", ["not", "an", "object"], 400),
    ],
)
async def test_bad_requests(bot: BotClient, path: str, body: object, status: int) -> None:
    answer, result = await post(bot, path, body)
    assert answer == status
    assert isinstance(result["error"], str)


async def test_misses_and_variants_answer_json(bot: BotClient, player: WeChatPlayer) -> None:
    await exchange(bot, player, player.text("o_admin", "发票怎么开"))
    status, body = await get(bot, "misses?days=7")
    assert status == 200
    assert body["missed"] == 1
    assert {"rule": "fallback", "count": 1} in body["hits"]  # type: ignore[operator]
    status, body = await get(bot, "variants?days=14")
    assert (status, body) == (200, {"days": 14, "rules": []})
    status, _ = await get(bot, "misses?days=0")
    assert status == 400


async def _reply_soon(bot: BotClient, player: WeChatPlayer, text: str, expected: str) -> bool:
    started = time.monotonic()
    while time.monotonic() - started < 2.0:
        reply = await exchange(bot, player, player.text("o_admin", text))
        if reply.get("Content") == expected:
            return True
        await asyncio.sleep(0.05)
    return False


def test_a_short_token_is_a_config_error(write_config: ConfigWriter) -> None:
    with pytest.raises(SettingsError, match=r"admin\.token: must be at least 16 characters"):
        write_config(extra='\n[admin]\ntoken = "short"\n')
