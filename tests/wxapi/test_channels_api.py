"""QR codes, contact ways and welcome messages through the client, against the fake."""

from __future__ import annotations

import io

import aiohttp
import pytest
from PIL import Image

from fakewechat import FakeClock, FakeWeChat
from wxapi import ApiError, OfficialAccountClient, WeComClient


async def test_a_temporary_code_has_a_ticket_url_and_expiry_and_a_real_png(
    oa: OfficialAccountClient, state: FakeWeChat, clock: FakeClock
) -> None:
    made = await oa.create_qrcode("spring_expo", expire_seconds=2_592_000)
    assert (made.expire_seconds, made.url.startswith("http")) == (2_592_000, True)
    png = await oa.qrcode_image(made.ticket)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size[0] > 100
    clock.advance(2_592_000)
    with pytest.raises(ApiError):
        await oa.qrcode_image(made.ticket)


async def test_a_permanent_code_never_expires(oa: OfficialAccountClient) -> None:
    made = await oa.create_qrcode("store_xuhui")
    assert made.expire_seconds is None
    assert await oa.qrcode_image(made.ticket)


@pytest.mark.parametrize(
    ("scene", "seconds"),
    [("", 60), ("x" * 65, 60), ("ok", 2_592_001), ("ok", 0)],
)
async def test_scene_and_expiry_limits_are_refused_with_40097(
    oa: OfficialAccountClient, scene: str, seconds: int
) -> None:
    with pytest.raises(ApiError) as caught:
        await oa.create_qrcode(scene, expire_seconds=seconds)
    assert caught.value.errcode == 40097


async def test_the_permanent_code_limit_answers_45009(
    oa: OfficialAccountClient, state: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fakewechat.limits.PERMANENT_QR_MAX", 2)
    await oa.create_qrcode("a")
    await oa.create_qrcode("b")
    with pytest.raises(ApiError) as caught:
        await oa.create_qrcode("c")
    assert caught.value.errcode == 45009


async def test_contact_way_create_get_update_delete(wecom: WeComClient, state: FakeWeChat) -> None:
    made = await wecom.add_contact_way(["alice", "bob"], "spring_expo", skip_verify=False)
    assert made.config_id and made.qr_code.startswith("https://")
    way = await wecom.get_contact_way(made.config_id)
    assert (way["type"], way["scene"], way["state"], way["user"]) == (
        2, 2, "spring_expo", ["alice", "bob"]
    )  # fmt: skip
    await wecom.update_contact_way(made.config_id, users=["bob"], skip_verify=True)
    way = await wecom.get_contact_way(made.config_id)
    assert (way["user"], way["skip_verify"]) == (["bob"], True)
    await wecom.del_contact_way(made.config_id)
    with pytest.raises(ApiError) as caught:
        await wecom.get_contact_way(made.config_id)
    assert caught.value.errcode == 40058


@pytest.mark.parametrize(
    ("users", "way_state", "errcode"),
    [
        (["alice"], "s" * 31, 40058),  # state at most 30 characters
        (["alice", "nobody"], "ok", 40031),  # not a member of the corp
        ([], "ok", 40058),
    ],
)
async def test_contact_way_limits(
    wecom: WeComClient, users: list[str], way_state: str, errcode: int
) -> None:
    with pytest.raises(ApiError) as caught:
        await wecom.add_contact_way(users, way_state)
    assert caught.value.errcode == errcode


async def test_more_than_100_members_is_40032(wecom: WeComClient, state: FakeWeChat) -> None:
    state.corps[next(iter(state.corps))].members.update(f"m{i}" for i in range(101))
    with pytest.raises(ApiError) as caught:
        await wecom.add_contact_way([f"m{i}" for i in range(101)], "big")
    assert caught.value.errcode == 40032


async def _added(wecom: WeComClient, state: FakeWeChat) -> str:
    await wecom.add_contact_way(["alice"], "spring_expo")
    return state.simulate_add("spring_expo", "wmNew1", "王小明").code


async def test_a_welcome_code_works_once(wecom: WeComClient, state: FakeWeChat) -> None:
    code = await _added(wecom, state)
    body = {"text": {"content": "王小明您好"}}
    await wecom.send_welcome_msg(code, body)
    with pytest.raises(ApiError) as caught:
        await wecom.send_welcome_msg(code, body)
    assert caught.value.errcode == 41051
    assert [(w.userid, w.external_userid) for w in state.welcomes] == [("alice", "wmNew1")]


async def test_a_welcome_code_expires_after_20_s(
    wecom: WeComClient, state: FakeWeChat, clock: FakeClock
) -> None:
    code = await _added(wecom, state)
    clock.advance(20.5)
    with pytest.raises(ApiError) as caught:
        await wecom.send_welcome_msg(code, {"text": {"content": "迟到的欢迎"}})
    assert caught.value.errcode == 40058
    assert "expired" in caught.value.errmsg
    assert state.welcomes == []


async def test_an_unknown_code_and_too_many_attachments_are_refused(
    wecom: WeComClient, state: FakeWeChat
) -> None:
    with pytest.raises(ApiError, match="invalid welcome_code"):
        await wecom.send_welcome_msg("made-up", {"text": {"content": "x"}})
    code = await _added(wecom, state)
    link = {"msgtype": "link", "link": {"title": "t", "url": "https://example.com"}}
    with pytest.raises(ApiError, match="at most 9"):
        await wecom.send_welcome_msg(code, {"attachments": [link] * 10})
    await wecom.send_welcome_msg(code, {"attachments": [link] * 9})


async def test_the_rate_limit_is_45009_and_retryable(wecom: WeComClient, state: FakeWeChat) -> None:
    code = await _added(wecom, state)
    state.inject("/cgi-bin/externalcontact/send_welcome_msg", errcode=45009)
    with pytest.raises(ApiError) as caught:
        await wecom.send_welcome_msg(code, {"text": {"content": "x"}})
    assert (caught.value.errcode, caught.value.retryable) == (45009, True)
    await wecom.send_welcome_msg(code, {"text": {"content": "x"}})
    assert len(state.welcomes) == 1


async def test_the_simulator_route_issues_a_code_for_the_ways_member(
    wecom: WeComClient, state: FakeWeChat, api_base: str
) -> None:
    await wecom.add_contact_way(["bob"], "feed_ads")
    async with aiohttp.ClientSession() as session:
        answer = await session.post(
            f"{api_base}/_sim/add_contact",
            json={"state": "feed_ads", "external_userid": "wmX", "name": "李雷"},
        )
        data = await answer.json()
    assert data["userid"] == "bob"
    assert state.external_contacts["wmX"].followers == {"bob": []}
    assert data["welcome_code"] in state.welcome_codes
