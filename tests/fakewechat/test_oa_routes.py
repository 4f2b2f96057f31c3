"""OA business endpoints of the fake: custom messages, user info and tag limits."""

from __future__ import annotations

from typing import Any

import pytest

from fakewechat import FakeClock, FakeWeChat
from fakewechat import limits as L
from tests.fakewechat.calls import FakeClient, fetch_json, oa_token
from tests.fakewechat.world import APPID, OPENIDS, UNIONID


async def post(client: FakeClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    token = await oa_token(client)
    return await fetch_json(client, "POST", path, params={"access_token": token}, json=body)


def text_to(openid: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": "你好"}}


async def test_custom_message_is_recorded(client: FakeClient, state: FakeWeChat) -> None:
    data = await post(client, "/cgi-bin/message/custom/send", text_to(OPENIDS[0]))
    assert data == {"errcode": 0, "errmsg": "ok"}
    [message] = state.custom_messages
    assert (message.openid, message.msgtype) == (OPENIDS[0], "text")
    assert message.payload["text"] == {"content": "你好"}


async def test_blocked_openid_gets_its_errcode(client: FakeClient, state: FakeWeChat) -> None:
    state.block_openid(OPENIDS[1], errcode=L.CUSTOM_SEND_LIMIT)
    data = await post(client, "/cgi-bin/message/custom/send", text_to(OPENIDS[1]))
    assert data["errcode"] == L.CUSTOM_SEND_LIMIT
    assert state.custom_messages == []


async def test_unfollowed_user_gets_45015(client: FakeClient, state: FakeWeChat) -> None:
    state.followers[(APPID, OPENIDS[2])].subscribed = False
    data = await post(client, "/cgi-bin/message/custom/send", text_to(OPENIDS[2]))
    assert data["errcode"] == L.OUT_OF_SERVICE_WINDOW


async def test_service_window_allows_five_then_45047_and_closes_after_48_h(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    state.enforce_service_window = True
    for _ in range(L.CUSTOM_MESSAGES_PER_INTERACTION_MAX):
        assert (await post(client, "/cgi-bin/message/custom/send", text_to(OPENIDS[3])))[
            "errcode"
        ] == 0
    data = await post(client, "/cgi-bin/message/custom/send", text_to(OPENIDS[3]))
    assert data["errcode"] == L.CUSTOM_SEND_LIMIT
    state.record_interaction(APPID, OPENIDS[3])
    clock.advance(L.SERVICE_WINDOW_S + 1)
    data = await post(client, "/cgi-bin/message/custom/send", text_to(OPENIDS[3]))
    assert data["errcode"] == L.OUT_OF_SERVICE_WINDOW


async def test_custom_message_to_unknown_openid_is_40003(client: FakeClient) -> None:
    data = await post(client, "/cgi-bin/message/custom/send", text_to("o-stranger"))
    assert data["errcode"] == L.INVALID_OPENID


async def test_user_info_has_unionid_only_when_bound_and_no_nickname(client: FakeClient) -> None:
    token = await oa_token(client)
    bound = await fetch_json(
        client, "GET", "/cgi-bin/user/info", params={"access_token": token, "openid": OPENIDS[0]}
    )
    unbound = await fetch_json(
        client, "GET", "/cgi-bin/user/info", params={"access_token": token, "openid": OPENIDS[1]}
    )
    assert bound["unionid"] == UNIONID
    assert "unionid" not in unbound
    assert bound["subscribe"] == 1
    assert bound["tagid_list"] == []
    assert "nickname" not in bound
    assert {"subscribe_scene", "qr_scene", "qr_scene_str"} <= bound.keys()


async def create_tag(client: FakeClient, name: str) -> dict[str, Any]:
    return await post(client, "/cgi-bin/tags/create", {"tag": {"name": name}})


async def test_tags_create_and_list_with_counts(client: FakeClient) -> None:
    created = await create_tag(client, "广东")
    tag_id = created["tag"]["id"]
    await post(
        client, "/cgi-bin/tags/members/batchtagging", {"openid_list": OPENIDS[:3], "tagid": tag_id}
    )
    token = await oa_token(client)
    listed = await fetch_json(client, "GET", "/cgi-bin/tags/get", params={"access_token": token})
    assert {"id": tag_id, "name": "广东", "count": 3} in listed["tags"]
    assert {"id": L.STAR_TAG_ID, "name": "星标组", "count": 0} in listed["tags"]


@pytest.mark.parametrize(
    ("name", "errcode"),
    [("星标组", L.TAG_NAME_DUPLICATE), ("长" * 11, L.TAG_NAME_TOO_LONG)],
)
async def test_tag_name_rules(client: FakeClient, name: str, errcode: int) -> None:
    assert (await create_tag(client, name))["errcode"] == errcode


async def test_at_most_100_tags_per_account(client: FakeClient) -> None:
    for i in range(L.TAGS_PER_ACCOUNT_MAX):
        assert "errcode" not in await create_tag(client, f"t{i}")
    assert (await create_tag(client, "one-too-many"))["errcode"] == L.TOO_MANY_TAGS


async def test_batch_tagging_over_50_openids_is_40032(client: FakeClient) -> None:
    tag_id = (await create_tag(client, "vip"))["tag"]["id"]
    body = {"openid_list": OPENIDS[:51], "tagid": tag_id}
    data = await post(client, "/cgi-bin/tags/members/batchtagging", body)
    assert data["errcode"] == L.INVALID_OPENID_LIST


async def test_batch_tagging_unknown_tag_is_45159(client: FakeClient) -> None:
    body = {"openid_list": OPENIDS[:1], "tagid": 999}
    data = await post(client, "/cgi-bin/tags/members/batchtagging", body)
    assert data["errcode"] == L.INVALID_TAG_ID


async def test_twenty_first_tag_on_a_user_is_45059_and_nothing_changes(
    client: FakeClient, state: FakeWeChat
) -> None:
    tag_ids = [(await create_tag(client, f"t{i}"))["tag"]["id"] for i in range(21)]
    for tag_id in tag_ids[:20]:
        body = {"openid_list": OPENIDS[:1], "tagid": tag_id}
        assert (await post(client, "/cgi-bin/tags/members/batchtagging", body))["errcode"] == 0
    body = {"openid_list": OPENIDS[:2], "tagid": tag_ids[20]}
    data = await post(client, "/cgi-bin/tags/members/batchtagging", body)
    assert data["errcode"] == L.USER_TAGS_FULL
    assert state.members_of(APPID, tag_ids[20]) == set()


async def test_untag_and_getidlist(client: FakeClient) -> None:
    tag_id = (await create_tag(client, "vip"))["tag"]["id"]
    body = {"openid_list": OPENIDS[:2], "tagid": tag_id}
    await post(client, "/cgi-bin/tags/members/batchtagging", body)
    await post(
        client,
        "/cgi-bin/tags/members/batchuntagging",
        {"openid_list": OPENIDS[:1], "tagid": tag_id},
    )
    first = await post(client, "/cgi-bin/tags/getidlist", {"openid": OPENIDS[0]})
    second = await post(client, "/cgi-bin/tags/getidlist", {"openid": OPENIDS[1]})
    assert first["tagid_list"] == []
    assert second["tagid_list"] == [tag_id]
