"""Tags mirrored to the official account through the outbox, over HTTP, against the fake API."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import Background, create_app
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from tagging.sync_jobs import OA_TAG_SYNC, oa_job
from tests.bot.effects.tag_sync_helpers import (
    clicks,
    drain,
    enqueue,
    give_tag,
    jobs,
    skip_backoff,
    tagging_config,
)
from tests.bot.helpers import exchange
from tests.conftest import APP_ID, ClientFactory, ConfigWriter

BATCHTAGGING = "/cgi-bin/tags/members/batchtagging"


@pytest.fixture
def tag_settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    return write_config(extra=tagging_config(tmp_path))


def _tag_names_of(state: FakeWeChat, openid: str) -> set[str]:
    account = state.accounts[APP_ID]
    return {account.tags[tag_id] for tag_id in state.followers[(APP_ID, openid)].tag_ids}


async def test_keyword_and_counter_tags_reach_the_official_account(
    tag_settings: Settings,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    bot = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    await exchange(bot, player, player.text("o_fan", "价格多少"))
    await clicks(bot, player, "o_fan", "MENU_PRICE", 3)
    await drain(bot.app)
    assert {"询价", "菜单:价格", "高意向"} <= _tag_names_of(fake_state, "o_fan")
    # Each tag was created once however many jobs needed it.
    created = [call.body["tag"]["name"] for call in fake_state.calls_to("/cgi-bin/tags/create")]  # type: ignore[index]
    assert len(created) == len(set(created))
    assert all(job.status == "done" for job in await jobs(bot.app, OA_TAG_SYNC))


@pytest.mark.parametrize(
    ("fault", "calls"),
    [({"http_status": 502}, 2), ({"errcode": -1}, 2), ({"errcode": 40001}, 2)],
)
async def test_transient_faults_are_retried_until_the_tag_is_set(
    *,
    tag_settings: Settings,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
    fault: dict[str, int],
    calls: int,
) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    bot = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    fake_state.inject(BATCHTAGGING, **fault)
    await exchange(bot, player, player.text("o_fan", "价格多少"))
    await drain(bot.app)
    await skip_backoff(bot.app)
    await drain(bot.app)
    assert "询价" in _tag_names_of(fake_state, "o_fan")
    assert len(fake_state.calls_to(BATCHTAGGING)) == calls
    (job,) = await jobs(bot.app, OA_TAG_SYNC)
    assert job.status == "done"
    if "errcode" in fault and fault["errcode"] == 40001:
        assert job.attempts == 1  # the client refreshed the token and retried at once
    else:
        assert job.attempts == 2
        assert job.last_error is not None


async def test_a_permanent_error_is_recorded_and_not_retried(
    tag_settings: Settings,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    bot = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    fake_state.inject(BATCHTAGGING, errcode=40003, times=5)
    await exchange(bot, player, player.text("o_fan", "价格多少"))
    await drain(bot.app)
    await skip_backoff(bot.app)
    await drain(bot.app)
    (job,) = await jobs(bot.app, OA_TAG_SYNC)
    assert (job.status, job.attempts) == ("failed", 1)
    assert "40003" in (job.last_error or "")


async def test_pending_sync_survives_a_restart(
    tag_settings: Settings,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    first = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    await exchange(first, player, player.text("o_fan", "价格多少"))
    await first.close()  # the process stops before any job ran
    assert fake_state.calls_to(BATCHTAGGING) == []
    second = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    await drain(second.app)
    assert "询价" in _tag_names_of(fake_state, "o_fan")


async def test_the_account_tag_limit_is_logged_and_recorded(
    tag_settings: Settings,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    player: WeChatPlayer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    for n in range(100):
        fake_state.accounts[APP_ID].tags[1000 + n] = f"旧标签{n}"
    bot = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    with caplog.at_level(logging.ERROR):
        await exchange(bot, player, player.text("o_fan", "价格多少"))
        await drain(bot.app)
    assert "WeChat's limit" in caplog.text
    (job,) = await jobs(bot.app, OA_TAG_SYNC)
    assert job.status == "failed"
    assert "100 tags" in (job.last_error or "")


async def test_the_per_follower_limit_skips_only_full_followers(
    tag_settings: Settings,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    full = fake_state.add_follower(APP_ID, "o_full")
    fake_state.add_follower(APP_ID, "o_free")
    full.tag_ids.extend(range(2000, 2020))
    bot = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    await give_tag(bot.app, ["o_full", "o_free"], "询价")
    await enqueue(bot.app, oa_job("main", ["o_full", "o_free"], ["询价"], []))
    with caplog.at_level(logging.WARNING):
        await drain(bot.app)
    assert "询价" in _tag_names_of(fake_state, "o_free")
    assert "already have 20 tags" in caplog.text
    (job,) = await jobs(bot.app, OA_TAG_SYNC)
    assert job.status == "failed"
    assert "1 follower(s) with 20 tags" in (job.last_error or "")


async def test_many_followers_are_tagged_and_untagged_in_batches_of_50(
    tag_settings: Settings, aiohttp_client: ClientFactory, fake_state: FakeWeChat
) -> None:
    openids = [f"o{n:03d}" for n in range(120)]
    for openid in openids:
        fake_state.add_follower(APP_ID, openid)
    bot = await aiohttp_client(create_app(tag_settings, background=Background.nothing()))
    await give_tag(bot.app, openids, "老客户")
    await enqueue(bot.app, oa_job("main", openids, ["老客户"], []))
    await drain(bot.app)
    sizes = [len(call.body["openid_list"]) for call in fake_state.calls_to(BATCHTAGGING)]  # type: ignore[index]
    assert sizes == [50, 50, 20]
    assert all("老客户" in _tag_names_of(fake_state, openid) for openid in openids)
    await enqueue(bot.app, oa_job("main", openids, [], ["老客户"]))
    await drain(bot.app)
    # wxbot still has the tag on every profile, so nothing is removed.
    assert fake_state.calls_to("/cgi-bin/tags/members/batchuntagging") == []
