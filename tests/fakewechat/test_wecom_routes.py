"""WeCom endpoints of the fake: messages, cards, customer tags, robots."""

from __future__ import annotations

from typing import Any

from fakewechat import FakeClock, FakeWeChat
from fakewechat import limits as L
from tests.fakewechat.calls import FakeClient, fetch_json, wecom_token
from tests.fakewechat.world import AGENTID, ROBOT_KEY


async def post(client: FakeClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    token = await wecom_token(client)
    return await fetch_json(client, "POST", path, params={"access_token": token}, json=body)


def text(touser: str, **extra: Any) -> dict[str, Any]:
    body = {"touser": touser, "msgtype": "text", "agentid": AGENTID, "text": {"content": "hi"}}
    return body | extra


def button_card() -> dict[str, Any]:
    card = {"card_type": "button_interaction", "main_title": {"title": "新线索"}, "task_id": "t1"}
    return {
        "touser": "alice",
        "msgtype": "template_card",
        "agentid": AGENTID,
        "template_card": card,
    }


async def test_send_records_message_and_reports_invalid_users(
    client: FakeClient, state: FakeWeChat
) -> None:
    data = await post(client, "/cgi-bin/message/send", text("alice|ghost"))
    assert data["errcode"] == 0
    assert data["invaliduser"] == "ghost"
    [message] = state.wecom_messages
    assert message.touser == ("alice",)
    assert message.msgid == data["msgid"]


async def test_send_to_nobody_valid_is_81013(client: FakeClient) -> None:
    data = await post(client, "/cgi-bin/message/send", text("ghost"))
    assert data["errcode"] == L.WECOM_ALL_TARGETS_INVALID


async def test_send_with_other_agentid_is_refused(client: FakeClient) -> None:
    data = await post(client, "/cgi-bin/message/send", text("alice", agentid=1))
    assert data["errcode"] == L.WECOM_AGENT_MISMATCH


async def test_duplicate_check_suppresses_repeat_inside_window(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    body = text("alice", enable_duplicate_check=1, duplicate_check_interval=60)
    first = await post(client, "/cgi-bin/message/send", body)
    again = await post(client, "/cgi-bin/message/send", body)
    clock.advance(60)
    later = await post(client, "/cgi-bin/message/send", body)
    assert again["msgid"] == first["msgid"]
    assert later["msgid"] != first["msgid"]
    assert len(state.wecom_messages) == 2
    assert state.duplicates_suppressed == 1


async def test_without_duplicate_check_repeats_are_sent(
    client: FakeClient, state: FakeWeChat
) -> None:
    await post(client, "/cgi-bin/message/send", text("alice"))
    await post(client, "/cgi-bin/message/send", text("alice"))
    assert len(state.wecom_messages) == 2


async def test_button_card_response_code_updates_once(
    client: FakeClient, state: FakeWeChat
) -> None:
    sent = await post(client, "/cgi-bin/message/send", button_card())
    update = {
        "userids": ["alice"],
        "agentid": AGENTID,
        "response_code": sent["response_code"],
        "button": {"replace_name": "已认领"},
    }
    first = await post(client, "/cgi-bin/message/update_template_card", update)
    second = await post(client, "/cgi-bin/message/update_template_card", update)
    assert first["errcode"] == 0
    assert second["errcode"] == L.INVALID_PARAMETER
    assert [u.payload["button"] for u in state.card_updates] == [{"replace_name": "已认领"}]


async def test_text_message_has_no_response_code(client: FakeClient) -> None:
    assert "response_code" not in await post(client, "/cgi-bin/message/send", text("alice"))


async def test_corp_tags_and_mark_tag_show_in_external_contact(
    client: FakeClient, state: FakeWeChat
) -> None:
    added = await post(
        client,
        "/cgi-bin/externalcontact/add_corp_tag",
        {"group_name": "意向", "tag": [{"name": "高"}]},
    )
    tag_id = added["tag_group"]["tag"][0]["id"]
    marked = await post(
        client,
        "/cgi-bin/externalcontact/mark_tag",
        {"userid": "alice", "external_userid": "wmCustomer1", "add_tag": [tag_id]},
    )
    token = await wecom_token(client)
    contact = await fetch_json(
        client,
        "GET",
        "/cgi-bin/externalcontact/get",
        params={"access_token": token, "external_userid": "wmCustomer1"},
    )
    listed = await post(client, "/cgi-bin/externalcontact/get_corp_tag_list", {})
    assert marked["errcode"] == 0
    assert contact["follow_user"][0]["tags"][0]["tag_id"] == tag_id
    assert listed["tag_group"][0]["group_name"] == "意向"


async def test_mark_tag_without_relation_is_84061(client: FakeClient, state: FakeWeChat) -> None:
    tag = state.add_corp_tag("意向", "高")
    body = {"userid": "bob", "external_userid": "wmCustomer1", "add_tag": [tag.tag_id]}
    data = await post(client, "/cgi-bin/externalcontact/mark_tag", body)
    assert data["errcode"] == L.WECOM_NO_FOLLOW_RELATION


async def test_duplicate_corp_tag_name_in_group_is_refused(
    client: FakeClient, state: FakeWeChat
) -> None:
    state.add_corp_tag("意向", "高")
    body = {"group_name": "意向", "tag": [{"name": "高"}]}
    data = await post(client, "/cgi-bin/externalcontact/add_corp_tag", body)
    assert data["errcode"] == L.WECOM_INVALID_TAG_NAME


async def robot(client: FakeClient, key: str = ROBOT_KEY) -> dict[str, Any]:
    body = {"msgtype": "text", "text": {"content": "新线索"}}
    return await fetch_json(client, "POST", "/cgi-bin/webhook/send", params={"key": key}, json=body)


async def test_webhook_allows_20_a_minute_per_key(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    for _ in range(L.WEBHOOK_PER_MINUTE_MAX):
        assert (await robot(client))["errcode"] == 0
        clock.advance(1)
    assert (await robot(client))["errcode"] == L.WEBHOOK_RATE_LIMITED
    clock.advance(L.WEBHOOK_WINDOW_S - L.WEBHOOK_PER_MINUTE_MAX + 1)
    assert (await robot(client))["errcode"] == 0
    assert len(state.webhook_messages) == L.WEBHOOK_PER_MINUTE_MAX + 1


async def test_webhook_unknown_key_is_93000(client: FakeClient) -> None:
    assert (await robot(client, "nope"))["errcode"] == L.WECOM_INVALID_WEBHOOK
