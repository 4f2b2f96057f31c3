"""Every job kind the bot runs is drawn in words, never as its payload's JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin.catalogs import Lang, load_translations
from bot.admin.channels import channel_labels
from bot.admin.names import Names
from bot.admin.outbox_words import DRAWERS, draw
from bot.admin.reader import Reader
from bot.admin.vocabulary import JOB_KIND
from bot.app import create_app
from bot.app_keys import CACHE, HTTP, JOURNEYS, METRICS, SESSIONS, TAGGING
from bot.config.settings import Settings
from bot.effects.executors import build_executors
from tests.bot.admin.site_helpers import BotClient, site_settings
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import LEADS_TOML

JOURNEYS_TOML = """
[[journey]]
name = "nurture"
trigger = "segment"
  [[journey.step]]
  wait = "1d"
  action = "text"
  text = "hello"
"""


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    (tmp_path / "journeys.toml").write_text(JOURNEYS_TOML, encoding="utf-8")
    return site_settings(write_config, extra=LEADS_TOML + '\n[journeys]\nfile = "journeys.toml"\n')


@pytest.fixture
async def bot(settings: Settings, aiohttp_client: ClientFactory) -> BotClient:
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def words() -> Reader:
    return Reader(Lang.ZH, load_translations()[Lang.ZH])


def _names(settings: Settings) -> Names:
    return Names(settings.leads, channel_labels({"spring_expo": "春季车展"}))


async def test_every_registered_kind_has_words_and_a_drawing(
    bot: BotClient, settings: Settings
) -> None:
    app = bot.app
    journeys = app[JOURNEYS]
    kinds = build_executors(
        settings, app[HTTP], app[CACHE], app[SESSIONS], app[METRICS],
        tagging=app[TAGGING], journeys=journeys.triggers,
    )  # fmt: skip
    assert "journey.send" in kinds and "lead.alert" in kinds
    assert sorted(set(kinds) - set(JOB_KIND)) == []
    assert sorted(set(kinds) - set(DRAWERS)) == []


@pytest.mark.parametrize(
    ("kind", "payload", "drawn_as"),
    [
        ("lead.handover_digest", {"touser": "lisi", "handover_id": 3, "from_name": "张三",
                                  "lines": ["#12 · 待跟进", "#15 · A 级 · 联系中"]},
         ("sentence", "交接 #3（来自 张三）的汇总卡片：2 条线索")),
        ("tags.oa_sync", {"openids": ["o_1"], "add": ["询价"], "remove": ["低价值"]},
         ("sentence", "为公众号粉丝加 1 个标签、去掉 1 个")),
        ("wechat.custom_send", {"touser": "o_1", "msgtype": "text", "text": {"content": "您好"}},
         ("bubbles", "您好")),
        ("journey.send", {"run_id": 1, "profile_id": 2, "journey": "j", "step": 0, "attempts": [
            {"channel": "remind", "body": {"touser": "zhangsan", "msgtype": "text",
                                           "text": {"content": "请今天联系客户"}}}]},
         ("bubbles", "请今天联系客户")),
        ("lead.contact_added", {"userid": "lisi", "external_userid": "wm_1",
                                "state": "spring_expo"},
         ("sentence", "由 李四 通过 春季车展 添加")),
        ("transfer.send", {"handover_id": 4, "from_userid": "zhangsan", "to_userid": "lisi",
                           "employed": True, "transfer_ids": [1, 2, 3]},
         ("sentence", "把 张三 的 3 位企业微信客户转给 李四（交接 #4）")),
        ("transfer.poll", {"handover_id": 4, "from_userid": "zhangsan", "to_userid": "lisi",
                           "employed": True, "round": 1},
         ("sentence", "向企业微信查询 张三 转给 李四 的客户进展")),
    ],
)  # fmt: skip
def test_a_payload_is_drawn_as_what_it_sends(
    settings: Settings, words: Reader, kind: str, payload: dict[str, object],
    drawn_as: tuple[str, str],
) -> None:  # fmt: skip
    shape, says = drawn_as
    drawn = draw(kind, payload, words, _names(settings), lambda text: text)
    assert drawn.shape == shape
    shown = drawn.sentence + "".join(str(bubble.get("text", "")) for bubble in drawn.bubbles)
    assert says in shown
    assert "{" not in shown


def test_a_payload_from_an_unknown_kind_is_shown_field_by_field(
    settings: Settings, words: Reader
) -> None:
    drawn = draw("future.kind", {"touser": "x", "n": 3}, words, _names(settings), str)
    assert drawn.shape == "fields"
    assert drawn.fields == [("touser", "x"), ("n", "3")]
