"""The WeCom callback route: verification, the edge's refusals, dedup, staff gating."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app_keys import CACHE, SESSIONS
from bot.callbacks.checks import decrypt_signed
from bot.callbacks.crypto import CallbackCrypto
from bot.callbacks.limits import DEDUP_KEY
from bot.errors import CallbackRejected
from bot.testing.wecom_player import WeComPlayer
from storage.lead_models import WeComEvent
from tests.leads.conftest import AGENT_ID, CORP_ID, WECOM_AES_KEY, WECOM_TOKEN
from tests.leads.helpers import LeadsBot


async def stored(bot: LeadsBot) -> list[WeComEvent]:
    async with bot.client.app[SESSIONS]() as session:
        return list(await session.scalars(select(WeComEvent).order_by(WeComEvent.id)))


async def test_url_verification_answers_the_decrypted_echostr(
    leads_bot: LeadsBot, wecom: WeComPlayer
) -> None:
    response = await leads_bot.client.get(
        "/wecom/sales", params=wecom.url_check("5927782489442352469")
    )
    assert response.status == 200
    assert await response.read() == b"5927782489442352469"  # no quotes, BOM or newline


V3_ECHOSTR = (
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
)


def test_echostr_check_matches_the_wechatpy_wecom_vector() -> None:
    crypto = CallbackCrypto(
        "123456", ["kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"], "wx49f0ab532d5d035a"
    )
    query = {
        "msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
        "timestamp": "1411443780",
        "nonce": "437374425",
    }
    assert decrypt_signed(crypto, query, V3_ECHOSTR) == "5927782489442352469"
    with pytest.raises(CallbackRejected):
        decrypt_signed(crypto, {**query, "nonce": "437374424"}, V3_ECHOSTR)


async def test_url_verification_with_bad_signature_is_refused(
    leads_bot: LeadsBot, wecom: WeComPlayer
) -> None:
    query = wecom.url_check("123")
    query["msg_signature"] = "0" * 40
    response = await leads_bot.client.get("/wecom/sales", params=query)
    assert response.status == 403
    assert "123" not in await response.text()


async def test_stale_timestamp_is_refused(leads_bot: LeadsBot) -> None:
    old = WeComPlayer(WECOM_TOKEN, CORP_ID, WECOM_AES_KEY, AGENT_ID, clock=lambda: 1_600_000_000.0)
    callback = old.callback(old.text("zhangsan", "帮助"))
    response = await leads_bot.client.post(
        "/wecom/sales", params=callback.query, data=callback.body
    )
    assert response.status == 403


async def test_unknown_app_is_404(leads_bot: LeadsBot, wecom: WeComPlayer) -> None:
    response = await leads_bot.client.get("/wecom/nope", params=wecom.url_check("1"))
    assert response.status == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<!DOCTYPE x [<!ENTITY e 'x'>]><xml><Encrypt>&e;</Encrypt></xml>", 400),
        (b"<xml><Encrypt>" + b"A" * 70_000 + b"</Encrypt></xml>", 400),
        (b"not xml", 400),
        (b"<xml><Encrypt>bm90IHNpZ25lZA==</Encrypt></xml>", 403),
    ],
    ids=["doctype", "oversized", "malformed", "unsigned"],
)
async def test_unsafe_or_unsigned_bodies_are_refused(
    leads_bot: LeadsBot, wecom: WeComPlayer, body: bytes, status: int
) -> None:
    query = wecom.callback(wecom.text("zhangsan", "帮助")).query
    response = await leads_bot.client.post("/wecom/sales", params=query, data=body)
    assert response.status == status
    assert await stored(leads_bot) == []


async def test_payload_for_another_corp_is_refused(leads_bot: LeadsBot) -> None:
    other = WeComPlayer(WECOM_TOKEN, "wwSomeoneElse", WECOM_AES_KEY, AGENT_ID)
    callback = other.callback(other.text("zhangsan", "帮助"))
    response = await leads_bot.client.post(
        "/wecom/sales", params=callback.query, data=callback.body
    )
    assert response.status == 400


async def test_reply_is_encrypted_and_a_retry_gets_the_same_reply_once_stored(
    leads_bot: LeadsBot, wecom: WeComPlayer
) -> None:
    callback = wecom.callback(wecom.text("zhangsan", "帮助"))
    answers = []
    for _ in range(2):
        response = await leads_bot.client.post(
            "/wecom/sales", params=callback.query, data=callback.body
        )
        assert response.status == 200
        answers.append(await response.text())
    assert "<Encrypt>" in answers[0] and "帮助" not in answers[0]
    first, again = (wecom.read_reply(answer) for answer in answers)
    assert first["Content"] == again["Content"]
    assert "认领" in first["Content"]
    assert first["ToUserName"] == "zhangsan" and first["FromUserName"] == CORP_ID
    assert len(await stored(leads_bot)) == 1


async def test_a_retry_the_cache_forgot_gets_the_reply_stored_with_the_event(
    leads_bot: LeadsBot, wecom: WeComPlayer
) -> None:
    callback = wecom.callback(wecom.text("zhangsan", "帮助"))
    client = leads_bot.client
    first = await client.post("/wecom/sales", params=callback.query, data=callback.body)
    # As after a Redis restart or an expired mark: only the database remembers.
    (event,) = await stored(leads_bot)
    await client.app[CACHE].delete(f"{DEDUP_KEY}:{event.dedup_key}")
    again = await client.post("/wecom/sales", params=callback.query, data=callback.body)
    replies = [wecom.read_reply(await response.text()) for response in (first, again)]
    assert replies[0]["Content"] == replies[1]["Content"]
    assert "认领" in replies[1]["Content"]
    assert len(await stored(leads_bot)) == 1


async def test_non_sales_member_is_refused_politely_and_logged(
    leads_bot: LeadsBot, caplog: pytest.LogCaptureFixture
) -> None:
    reply = await leads_bot.staff_says("outsider", "我的线索")
    assert "不在销售名单" in reply
    assert "outsider" in caplog.text


@pytest.mark.parametrize("text", ["你好啊", "claim abc", "状态 1 飞了", "备注 1", "转给 1"])
async def test_unknown_or_malformed_commands_get_a_helpful_answer(
    leads_bot: LeadsBot, text: str
) -> None:
    reply = await leads_bot.staff_says("zhangsan", text)
    hints = ("帮助", "例如", "只能是", "e.g.")  # English for an English command word
    assert reply and any(hint in reply for hint in hints)


async def test_non_text_message_from_staff_is_answered(leads_bot: LeadsBot) -> None:
    xml = leads_bot.wecom.text("zhangsan", "x").replace("[text]", "[image]")
    status, answer = await leads_bot.post(xml)
    assert status == 200
    assert "文字命令" in leads_bot.wecom.read_reply(answer)["Content"]
