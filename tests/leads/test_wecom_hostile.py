"""The WeCom edge refuses what the OA edge refuses: replays and malformed signed values."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app_keys import SESSIONS
from bot.callbacks.crypto import CallbackCrypto
from bot.callbacks.wechat_xml import parse_envelope
from bot.testing.wechat_player import Callback
from storage.lead_models import WeComEvent
from tests.leads.conftest import CORP_ID, WECOM_AES_KEY, WECOM_TOKEN
from tests.leads.helpers import LeadsBot


async def _stored(bot: LeadsBot) -> list[WeComEvent]:
    async with bot.client.app[SESSIONS]() as session:
        return list(await session.scalars(select(WeComEvent)))


async def _post(bot: LeadsBot, callback: Callback) -> tuple[int, str]:
    response = await bot.client.post("/wecom/sales", params=callback.query, data=callback.body)
    return response.status, await response.text()


def _sealed_with(query: dict[str, str], xml: str) -> Callback:
    """`xml` encrypted and signed under an existing (timestamp, nonce)."""
    crypto = CallbackCrypto(WECOM_TOKEN, [WECOM_AES_KEY], CORP_ID)
    sealed = parse_envelope(crypto.encrypt_reply(xml, query["nonce"], query["timestamp"]).encode())
    body = f"<xml><ToUserName>{CORP_ID}</ToUserName><Encrypt>{sealed['Encrypt']}</Encrypt></xml>"
    return Callback({**query, "msg_signature": sealed["MsgSignature"]}, body.encode(), aes=True)


async def test_a_resend_is_a_retry_and_another_body_under_the_nonce_is_refused(
    leads_bot: LeadsBot,
) -> None:
    wecom = leads_bot.wecom
    genuine = wecom.callback(wecom.text("zhangsan", "帮助"))
    first, again = await _post(leads_bot, genuine), await _post(leads_bot, genuine)
    assert first[0] == again[0] == 200
    other = _sealed_with(genuine.query, wecom.text("lisi", "帮助"))
    status, reason = await _post(leads_bot, other)
    assert (status, "replay" in reason) == (403, True)
    assert [event.from_user for event in await _stored(leads_bot)] == ["zhangsan"]


def _xml(**fields: str) -> str:
    base = {
        "ToUserName": CORP_ID,
        "FromUserName": "zhangsan",
        "CreateTime": "{now}",
        "MsgType": "text",
        "Content": "帮助",
        "MsgId": "7",
        "AgentID": "1000002",
    }
    base.update(fields)
    return "<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in base.items()) + "</xml>"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"CreateTime": "²"}, "<CreateTime> must be ASCII digits"),
        ({"CreateTime": "9" * 15}, "<CreateTime> must be at most"),
        ({"MsgId": str(2**64)}, "<MsgId> must be at most"),
        ({"MsgId": "٣"}, "<MsgId> must be ASCII digits"),
        ({"FromUserName": "u" * 129}, "<FromUserName> is longer than 128"),
        ({"MsgType": "m" * 33}, "<MsgType> is longer than 32"),
        (
            {"MsgType": "event", "Event": "change_external_contact", "ChangeType": "c" * 65},
            "<ChangeType> is longer than 64",
        ),
    ],
    ids=lambda value: str(value)[:24],
)
async def test_a_signed_malformed_value_is_a_400_with_the_reason(
    leads_bot: LeadsBot, fields: dict[str, str], reason: str
) -> None:
    now = str(int(leads_bot.clock.epoch()))
    xml = _xml(**fields).replace("{now}", now)
    status, answer = await _post(leads_bot, leads_bot.wecom.callback(xml))
    assert status == 400
    assert reason in answer
    assert await _stored(leads_bot) == []


@pytest.mark.parametrize("timestamp", ["²", "1" * 30, ""], ids=["superscript", "huge", "empty"])
async def test_a_malformed_timestamp_is_a_400(leads_bot: LeadsBot, timestamp: str) -> None:
    wecom = leads_bot.wecom
    callback = wecom.callback(wecom.text("zhangsan", "帮助"))
    query = {**callback.query, "timestamp": timestamp}
    assert (await _post(leads_bot, Callback(query, callback.body, aes=True)))[0] == 400
