"""OfficialAccountClient against the fake: messages, follower info and tags."""

from __future__ import annotations

import pytest

from fakewechat import FakeWeChat
from fakewechat import limits as L
from tests.fakewechat.world import APPID, OPENIDS, UNIONID
from wxapi import BATCH_TAGGING_MAX, ApiError, OfficialAccountClient, chunked

BATCH = "/cgi-bin/tags/members/batchtagging"


async def test_send_custom_text_reaches_the_follower(
    oa: OfficialAccountClient, state: FakeWeChat
) -> None:
    assert await oa.send_custom_text(OPENIDS[0], "价格表已发送") == {"errcode": 0, "errmsg": "ok"}
    [message] = state.custom_messages
    assert message.payload == {
        "touser": OPENIDS[0],
        "msgtype": "text",
        "text": {"content": "价格表已发送"},
    }


async def test_chinese_text_goes_out_as_utf8_not_escapes(
    oa: OfficialAccountClient, state: FakeWeChat
) -> None:
    await oa.send_custom_text(OPENIDS[0], "你好")
    [call] = state.calls_to("/cgi-bin/message/custom/send")
    assert call.body is not None
    assert call.body["text"]["content"] == "你好"


async def test_user_info_maps_to_follower_info(oa: OfficialAccountClient) -> None:
    info = await oa.user_info(OPENIDS[0])
    assert info.openid == OPENIDS[0]
    assert info.subscribed
    assert info.unionid == UNIONID
    assert info.tag_ids == ()


async def test_user_info_of_unfollowed_user(oa: OfficialAccountClient, state: FakeWeChat) -> None:
    state.followers[(APPID, OPENIDS[1])].subscribed = False
    info = await oa.user_info(OPENIDS[1])
    assert not info.subscribed
    assert info.subscribe_time is None


async def test_create_tag_then_tag_and_untag(oa: OfficialAccountClient, state: FakeWeChat) -> None:
    tag_id = await oa.create_tag("试驾意向")
    await oa.batch_tag(tag_id, OPENIDS[:3])
    await oa.batch_untag(tag_id, OPENIDS[:1])
    tags = {tag.tag_id: tag for tag in await oa.list_tags()}
    assert tags[tag_id].name == "试驾意向"
    assert tags[tag_id].count == 2
    assert await oa.tag_ids_of(OPENIDS[1]) == [tag_id]
    assert state.members_of(APPID, tag_id) == set(OPENIDS[1:3])


async def test_batch_over_limit_raises_before_any_call(
    oa: OfficialAccountClient, state: FakeWeChat
) -> None:
    with pytest.raises(ValueError, match="at most 50"):
        await oa.batch_tag(100, OPENIDS[: BATCH_TAGGING_MAX + 1])
    assert state.calls == []


async def test_empty_batch_makes_no_call(oa: OfficialAccountClient, state: FakeWeChat) -> None:
    await oa.batch_tag(100, [])
    assert state.calls == []


async def test_tagging_120_followers_in_chunks(
    oa: OfficialAccountClient, state: FakeWeChat
) -> None:
    tag_id = await oa.create_tag("车展")
    for batch in chunked(OPENIDS):
        await oa.batch_tag(tag_id, batch)
    assert len(state.calls_to(BATCH)) == 3
    assert state.members_of(APPID, tag_id) == set(OPENIDS)


async def test_user_tag_limit_is_a_permanent_error(oa: OfficialAccountClient) -> None:
    tag_ids = [await oa.create_tag(f"t{i}") for i in range(L.TAGS_PER_USER_MAX + 1)]
    for tag_id in tag_ids[:-1]:
        await oa.batch_tag(tag_id, OPENIDS[:1])
    with pytest.raises(ApiError) as caught:
        await oa.batch_tag(tag_ids[-1], OPENIDS[:1])
    assert caught.value.errcode == L.USER_TAGS_FULL
    assert not caught.value.retryable


async def test_account_tag_limit_is_a_permanent_error(oa: OfficialAccountClient) -> None:
    for i in range(L.TAGS_PER_ACCOUNT_MAX):
        await oa.create_tag(f"t{i}")
    with pytest.raises(ApiError) as caught:
        await oa.create_tag("extra")
    assert caught.value.errcode == L.TOO_MANY_TAGS
    assert not caught.value.retryable
