"""WeComClient and WebhookClient against the fake."""

from __future__ import annotations

import aiohttp
import pytest

from fakewechat import FakeClock, FakeWeChat
from fakewechat import limits as L
from tests.fakewechat.world import AGENTID, ROBOT_KEY
from wxapi import ApiError, WebhookClient, WeComClient


async def test_send_message_fills_agentid_and_returns_msgid(
    wecom: WeComClient, state: FakeWeChat
) -> None:
    answer = await wecom.send_message(
        {"touser": "alice|ghost", "msgtype": "markdown", "markdown": {"content": "**新线索**"}}
    )
    [message] = state.wecom_messages
    assert message.agentid == AGENTID
    assert answer["msgid"] == message.msgid
    assert answer["invaliduser"] == "ghost"


async def test_template_card_update_uses_response_code(
    wecom: WeComClient, state: FakeWeChat
) -> None:
    card = {"card_type": "button_interaction", "main_title": {"title": "新线索"}, "task_id": "t1"}
    sent = await wecom.send_message(
        {"touser": "alice", "msgtype": "template_card", "template_card": card}
    )
    await wecom.update_template_card(
        {
            "userids": ["alice"],
            "response_code": sent["response_code"],
            "button": {"replace_name": "已认领"},
        }
    )
    [update] = state.card_updates
    assert update.agentid == AGENTID
    with pytest.raises(ApiError):
        await wecom.update_template_card(
            {"userids": ["alice"], "response_code": sent["response_code"], "button": {}}
        )


async def test_corp_tags_and_mark_tag(wecom: WeComClient, state: FakeWeChat) -> None:
    group = await wecom.add_corp_tag(["高意向", "低意向"], group_name="意向")
    high = group["tag"][0]["id"]
    await wecom.mark_tag("alice", "wmCustomer1", add_tag=[high])
    contact = await wecom.external_contact("wmCustomer1")
    groups = await wecom.corp_tags(tag_ids=[high])
    assert contact["external_contact"]["name"] == "客户甲"
    assert [t["tag_id"] for t in contact["follow_user"][0]["tags"]] == [high]
    assert [t["name"] for t in groups[0]["tag"]] == ["高意向"]
    assert state.external_contacts["wmCustomer1"].followers["alice"] == [high]


@pytest.mark.parametrize(("group_id", "group_name"), [(None, None), ("g", "n")])
async def test_add_corp_tag_needs_exactly_one_group_reference(
    wecom: WeComClient, group_id: str | None, group_name: str | None
) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await wecom.add_corp_tag(["x"], group_id=group_id, group_name=group_name)


async def test_mark_tag_for_unknown_customer_is_permanent(wecom: WeComClient) -> None:
    with pytest.raises(ApiError) as caught:
        await wecom.mark_tag("alice", "wmNobody", add_tag=["et1"])
    assert caught.value.errcode == L.WECOM_INVALID_EXTERNAL_USERID
    assert not caught.value.retryable


async def test_webhook_rate_limit_is_reported_as_retryable(
    session: aiohttp.ClientSession, api_base: str, state: FakeWeChat, clock: FakeClock
) -> None:
    robot = WebhookClient(session, api_base=api_base)
    payload = {"msgtype": "text", "text": {"content": "新线索"}}
    for _ in range(L.WEBHOOK_PER_MINUTE_MAX):
        await robot.send_webhook(ROBOT_KEY, payload)
    with pytest.raises(ApiError) as caught:
        await robot.send_webhook(ROBOT_KEY, payload)
    assert caught.value.errcode == L.WEBHOOK_RATE_LIMITED
    assert caught.value.retryable
    assert ROBOT_KEY not in str(caught.value)
    clock.advance(L.WEBHOOK_WINDOW_S)
    await robot.send_webhook(ROBOT_KEY, payload)
    assert len(state.webhook_messages) == L.WEBHOOK_PER_MINUTE_MAX + 1
