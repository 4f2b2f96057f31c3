"""The JSON API answers Chinese as Chinese, not \\u escapes, for people reading it with curl."""

from __future__ import annotations

import pytest

from bot.config.settings import Settings
from tests.bot.admin.site_helpers import BotClient
from tests.conftest import ConfigWriter

TOKEN = "admin-token-0123456789"


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return write_config(extra=f'\n[admin]\ntoken = "{TOKEN}"\n')


async def test_chinese_comes_back_as_chinese(bot: BotClient) -> None:
    response = await bot.post(
        "/admin/api/keywords/test",
        json={"account": "main", "text": "价格多少"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    raw = (await response.read()).decode("utf-8")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert "询价" in raw
    assert "\\u" not in raw
    assert (await response.json())["tags"] == ["询价"]
