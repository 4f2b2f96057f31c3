"""The typed transfer and listing calls against the fake."""

from __future__ import annotations

import pytest

from fakewechat import FakeClock, FakeWeChat
from fakewechat import limits as L
from wxapi import ApiError, WeComClient
from wxapi.transfers import TransferApi


@pytest.fixture
def api(wecom: WeComClient) -> TransferApi:
    return TransferApi(wecom)


async def test_transfer_then_result_after_24_hours(
    api: TransferApi, state: FakeWeChat, clock: FakeClock
) -> None:
    moved = await api.transfer("alice", "bob", ["wmCustomer1", "wmNobody"], employed=True,
                               message="同事接替")  # fmt: skip
    assert [(m.external_userid, m.errcode) for m in moved] == [
        ("wmCustomer1", 0),
        ("wmNobody", L.WECOM_INVALID_EXTERNAL_USERID),
    ]
    assert state.calls_to("/cgi-bin/externalcontact/transfer_customer")[0].body == {
        "handover_userid": "alice", "takeover_userid": "bob",
        "external_userid": ["wmCustomer1", "wmNobody"], "transfer_success_msg": "同事接替",
    }  # fmt: skip
    clock.advance(L.TAKEOVER_DELAY_S)
    page = await api.result("alice", "bob", employed=True)
    assert [(s.external_userid, s.status) for s in page.items] == [("wmCustomer1", 1)]
    assert page.items[0].takeover_time > 0
    assert page.next_cursor == ""


async def test_call_level_error_raises(api: TransferApi) -> None:
    with pytest.raises(ApiError) as caught:
        await api.transfer("alice", "bob", ["wmCustomer1"], employed=False)
    assert caught.value.errcode == L.MEMBER_NOT_RESIGNED
    assert not caught.value.retryable


async def test_more_than_100_is_refused_before_calling(api: TransferApi) -> None:
    with pytest.raises(ValueError, match="100"):
        await api.transfer("alice", "bob", [f"wm{i}" for i in range(101)], employed=True)


async def test_resigned_path_and_unassigned(api: TransferApi, state: FakeWeChat) -> None:
    state.transfer_book.resign("alice")
    page = await api.unassigned()
    assert [(u.handover_userid, u.external_userid) for u in page.items] == [
        ("alice", "wmCustomer1")
    ]
    [moved] = await api.transfer("alice", "bob", ["wmCustomer1"], employed=False, message="x")
    assert moved.errcode == 0
    [call] = state.calls_to("/cgi-bin/externalcontact/resigned/transfer_customer")
    assert call.body is not None and "transfer_success_msg" not in call.body


async def test_listing(api: TransferApi, state: FakeWeChat) -> None:
    for i in range(130):
        state.add_external_contact(f"wm{i}", "x", followers=["bob"])
    assert await api.customer_ids("alice") == ["wmCustomer1"]
    found = await api.customers_of(["alice", "bob"])
    assert found["alice"] == {"wmCustomer1"}
    assert len(found["bob"]) == 130
    with pytest.raises(ApiError) as caught:
        await api.customer_ids("ghost")
    assert caught.value.errcode == L.WECOM_INVALID_USERID
