"""The fake's customer transfer and listing endpoints, with their real errors and limits."""

from __future__ import annotations

from typing import Any

import pytest

from fakewechat import FakeClock, FakeWeChat
from fakewechat import limits as L
from tests.fakewechat.calls import FakeClient, fetch_json, wecom_token
from tests.fakewechat.world import CORPID

BASE = "/cgi-bin/externalcontact"
TRANSFER = f"{BASE}/transfer_customer"
RESIGNED = f"{BASE}/resigned/transfer_customer"
RESULT = f"{BASE}/transfer_result"
RESIGNED_RESULT = f"{BASE}/resigned/transfer_result"


async def post(client: FakeClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    token = await wecom_token(client)
    return await fetch_json(client, "POST", path, params={"access_token": token}, json=body)


def move(*externals: str, handover: str = "alice", takeover: str = "bob", **extra: Any) -> Any:
    body = {"handover_userid": handover, "takeover_userid": takeover}
    return body | {"external_userid": list(externals)} | extra


def customers(state: FakeWeChat, count: int, follower: str = "alice") -> list[str]:
    ids = [f"wmC{i:04d}" for i in range(count)]
    for external in ids:
        state.add_external_contact(external, external, followers=[follower])
    return ids


async def statuses(client: FakeClient, path: str = RESULT, **pair: str) -> dict[str, int]:
    body = {"handover_userid": "alice", "takeover_userid": "bob"} | pair
    found: dict[str, int] = {}
    cursor = ""
    while True:
        data = await post(client, path, body | {"cursor": cursor})
        assert data["errcode"] == 0
        found.update({c["external_userid"]: c["status"] for c in data["customer"]})
        cursor = data["next_cursor"]
        if not cursor:
            return found


async def test_transfer_waits_24_hours_then_moves_the_customer(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    data = await post(client, TRANSFER, move("wmCustomer1", transfer_success_msg="您好"))
    assert data["customer"] == [{"external_userid": "wmCustomer1", "errcode": 0}]
    assert await statuses(client) == {"wmCustomer1": L.TRANSFER_WAITING}
    clock.advance(L.TAKEOVER_DELAY_S - 1)
    assert await statuses(client) == {"wmCustomer1": L.TRANSFER_WAITING}
    clock.advance(1)
    assert await statuses(client) == {"wmCustomer1": L.TRANSFER_DONE}
    assert list(state.external_contacts["wmCustomer1"].followers) == ["bob"]


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        (move("wmCustomer1", handover="ghost"), L.WECOM_INVALID_USERID),
        (move("wmCustomer1", takeover="ghost"), L.WECOM_INVALID_USERID),
        (move("wmCustomer1", takeover="alice"), L.SAME_HANDOVER_AND_TAKEOVER),
        (move(), L.MISSING_EXTERNAL_USERID),
        (move("wmCustomer1") | {"external_userid": "wmCustomer1"}, L.DATA_FORMAT_ERROR),
        (move(*[f"wm{i}" for i in range(101)]), L.INVALID_PARAMETER),
        (move("wmCustomer1", transfer_success_msg="字" * 201), L.INVALID_PARAMETER),
    ],
)
async def test_bad_transfer_calls_get_real_codes(
    client: FakeClient, state: FakeWeChat, body: dict[str, Any], errcode: int
) -> None:
    data = await post(client, TRANSFER, body)
    assert data["errcode"] == errcode
    assert state.transfer_book.transfers == []


async def test_a_message_of_200_characters_and_100_customers_are_accepted(
    client: FakeClient, state: FakeWeChat
) -> None:
    ids = customers(state, 100)
    data = await post(client, TRANSFER, move(*ids, transfer_success_msg="字" * 200))
    assert [c["errcode"] for c in data["customer"]] == [0] * 100


async def test_per_customer_codes(client: FakeClient, state: FakeWeChat) -> None:
    state.add_external_contact("wmOther", "乙", followers=["bob"])
    await post(client, TRANSFER, move("wmCustomer1"))
    data = await post(client, TRANSFER, move("wmCustomer1", "wmOther", "wmNobody"))
    codes = {c["external_userid"]: c["errcode"] for c in data["customer"]}
    assert codes == {
        "wmCustomer1": L.TRANSFER_IN_PROGRESS,
        "wmOther": L.NOT_THE_FOLLOWER,
        "wmNobody": L.WECOM_INVALID_EXTERNAL_USERID,
    }


async def test_twice_in_90_days_then_40128(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    state.corps[CORPID].members.add("carol")
    for handover, takeover in (("alice", "bob"), ("bob", "carol")):
        data = await post(
            client, TRANSFER, move("wmCustomer1", handover=handover, takeover=takeover)
        )
        assert data["customer"][0]["errcode"] == 0
        clock.advance(L.TAKEOVER_DELAY_S)
        await statuses(client, handover=handover, takeover=takeover)
    third = await post(client, TRANSFER, move("wmCustomer1", handover="carol", takeover="alice"))
    assert third["customer"][0]["errcode"] == L.TRANSFER_TOO_OFTEN
    clock.advance(L.TRANSFER_WINDOW_S)
    later = await post(client, TRANSFER, move("wmCustomer1", handover="carol", takeover="alice"))
    assert later["customer"][0]["errcode"] == 0


async def test_refusal_ends_status_3_and_owes_a_callback(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    await post(client, TRANSFER, move("wmCustomer1"))
    state.transfer_book.refuse("wmCustomer1")
    clock.advance(L.TAKEOVER_DELAY_S)
    assert await statuses(client) == {"wmCustomer1": L.TRANSFER_REFUSED}
    assert list(state.external_contacts["wmCustomer1"].followers) == ["alice"]
    [failure] = state.transfer_book.failures
    assert (failure.userid, failure.reason) == ("bob", "customer_refused")


async def test_receiver_at_its_limit_ends_status_4(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    customers(state, 1, follower="bob")
    state.transfer_book.receiver_limits["bob"] = 1
    await post(client, TRANSFER, move("wmCustomer1"))
    clock.advance(L.TAKEOVER_DELAY_S)
    assert await statuses(client) == {"wmCustomer1": L.TRANSFER_RECEIVER_FULL}
    [failure] = state.transfer_book.failures
    assert failure.reason == "customer_limit_exceed"


async def test_result_pages_with_a_cursor(client: FakeClient, state: FakeWeChat) -> None:
    ids = customers(state, 250)
    for start in range(0, 250, 100):
        await post(client, TRANSFER, move(*ids[start : start + 100]))
    found = await statuses(client)
    assert sorted(found) == sorted(ids)
    bad = await post(client, RESULT, {"handover_userid": "alice", "takeover_userid": "bob",
                                      "cursor": "x"})  # fmt: skip
    assert bad["errcode"] == L.INVALID_PARAMETER


async def test_resigned_transfer_needs_a_member_who_left(
    client: FakeClient, state: FakeWeChat, clock: FakeClock
) -> None:
    early = await post(client, RESIGNED, move("wmCustomer1"))
    assert early["errcode"] == L.MEMBER_NOT_RESIGNED
    state.transfer_book.resign("alice")
    employed = await post(client, TRANSFER, move("wmCustomer1"))
    assert employed["errcode"] == L.WECOM_INVALID_USERID
    unassigned = await post(client, f"{BASE}/get_unassigned_list", {"cursor": ""})
    assert [i["external_userid"] for i in unassigned["info"]] == ["wmCustomer1"]
    assert unassigned["is_last"] is True
    data = await post(client, RESIGNED, move("wmCustomer1"))
    assert data["customer"][0]["errcode"] == 0
    after = await post(client, f"{BASE}/get_unassigned_list", {})
    assert after["info"] == []
    clock.advance(L.TAKEOVER_DELAY_S)
    assert await statuses(client, RESIGNED_RESULT) == {"wmCustomer1": L.TRANSFER_DONE}
    assert await statuses(client) == {}


async def test_unassigned_list_pages(client: FakeClient, state: FakeWeChat) -> None:
    customers(state, 5)
    state.transfer_book.resign("alice")
    seen: list[str] = []
    cursor = ""
    while True:
        data = await post(client, f"{BASE}/get_unassigned_list", {"cursor": cursor, "page_size": 2})
        seen += [i["external_userid"] for i in data["info"]]
        if data["is_last"]:
            break
        cursor = data["next_cursor"]
    assert len(seen) == 6
    too_big = await post(client, f"{BASE}/get_unassigned_list", {"page_size": 1001})
    assert too_big["errcode"] == L.INVALID_PARAMETER


async def test_list_of_a_members_customers(client: FakeClient, state: FakeWeChat) -> None:
    token = await wecom_token(client)
    data = await fetch_json(
        client, "GET", f"{BASE}/list", params={"access_token": token, "userid": "alice"}
    )
    assert data["external_userid"] == ["wmCustomer1"]
    none = await fetch_json(
        client, "GET", f"{BASE}/list", params={"access_token": token, "userid": "bob"}
    )
    assert none["errcode"] == L.WECOM_NO_FOLLOW_RELATION
    ghost = await fetch_json(
        client, "GET", f"{BASE}/list", params={"access_token": token, "userid": "ghost"}
    )
    assert ghost["errcode"] == L.WECOM_INVALID_USERID


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"userid_list": []}, L.WECOM_INVALID_USERID_LIST),
        ({"userid_list": ["alice"] * 101}, L.WECOM_USERID_LIST_LENGTH),
        ({"userid_list": ["ghost"]}, L.WECOM_INVALID_USERID),
        ({"userid_list": ["alice"], "limit": 101}, L.INVALID_PARAMETER),
    ],
)
async def test_batch_by_user_errors(client: FakeClient, body: dict[str, Any], errcode: int) -> None:
    data = await post(client, f"{BASE}/batch/get_by_user", body)
    assert data["errcode"] == errcode


async def test_batch_by_user_pages_with_follow_info(client: FakeClient, state: FakeWeChat) -> None:
    customers(state, 3, follower="bob")
    seen: list[tuple[str, str]] = []
    cursor = ""
    while True:
        body = {"userid_list": ["alice", "bob"], "cursor": cursor, "limit": 3}
        data = await post(client, f"{BASE}/batch/get_by_user", body)
        seen += [
            (row["follow_info"]["userid"], row["external_contact"]["external_userid"])
            for row in data["external_contact_list"]
        ]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert seen == [("alice", "wmCustomer1")] + [("bob", f"wmC{i:04d}") for i in range(3)]
