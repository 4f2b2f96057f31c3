"""Fault injection and the call log."""

from __future__ import annotations

import asyncio

import pytest

from fakewechat import FakeWeChat
from fakewechat import limits as L
from tests.fakewechat.calls import FakeClient, fetch_json, oa_token

TAGS = "/cgi-bin/tags/get"
CREATE = "/cgi-bin/tags/create"


async def test_injected_errcode_hits_next_n_calls_only(
    client: FakeClient, state: FakeWeChat
) -> None:
    token = await oa_token(client)
    state.inject(TAGS, errcode=L.SYSTEM_BUSY, times=2)
    codes = [
        (await fetch_json(client, "GET", TAGS, params={"access_token": token})).get("errcode", 0)
        for _ in range(3)
    ]
    assert codes == [L.SYSTEM_BUSY, L.SYSTEM_BUSY, 0]


async def test_injected_http_status(client: FakeClient, state: FakeWeChat) -> None:
    state.inject(TAGS, http_status=502)
    async with client.get(TAGS) as response:
        assert response.status == 502


async def test_injected_delay_stalls_the_answer(client: FakeClient, state: FakeWeChat) -> None:
    state.inject(TAGS, delay_s=0.5)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await client.get(TAGS)


@pytest.mark.parametrize(("refusal", "created"), [({}, True), ({"http_status": 504}, False)])
async def test_a_late_answer_was_carried_out_and_a_refusal_was_not(
    client: FakeClient, state: FakeWeChat, refusal: dict[str, int], created: bool
) -> None:
    token = await oa_token(client)
    state.inject(CREATE, delay_s=0.5, **refusal)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await client.post(
                CREATE, params={"access_token": token}, json={"tag": {"name": "询价"}}
            )
    await asyncio.sleep(0.6)  # whatever the fake was still doing is done by now
    tags = await fetch_json(client, "GET", TAGS, params={"access_token": token})
    assert ("询价" in [tag["name"] for tag in tags["tags"]]) is created


def test_inject_needs_some_fault(state: FakeWeChat) -> None:
    with pytest.raises(ValueError, match="needs"):
        state.inject(TAGS)


async def test_call_log_records_method_path_query_and_body(
    client: FakeClient, state: FakeWeChat
) -> None:
    token = await oa_token(client)
    await fetch_json(
        client,
        "POST",
        "/cgi-bin/tags/create",
        params={"access_token": token},
        json={"tag": {"name": "x"}},
    )
    [call] = state.calls_to("/cgi-bin/tags/create")
    assert call.method == "POST"
    assert call.query["access_token"] == token
    assert call.body == {"tag": {"name": "x"}}
    assert call.at == state.now()
