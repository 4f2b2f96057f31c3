"""Token sharing and refresh, through real HTTP against the fake."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from fakewechat import FakeClock, FakeWeChat
from fakewechat import limits as L
from storage.cache import Cache
from tests.fakewechat.world import AGENTID, APP_SECRET, APPID, CORP_SECRET, CORPID
from tests.wxapi.factory import OaFactory
from wxapi import (
    ApiError,
    OfficialAccountClient,
    OfficialAccountCredentials,
    WeComClient,
    WeComCredentials,
)
from wxapi.cache_keys import oa_token_key

STABLE = "/cgi-bin/stable_token"
TAGS = "/cgi-bin/tags/get"


def force_flags(state: FakeWeChat) -> list[bool]:
    return [bool(call.body and call.body["force_refresh"]) for call in state.calls_to(STABLE)]


async def test_two_processes_share_one_token_fetch(
    make_oa: OaFactory, cache_pair: tuple[Cache, Cache], state: FakeWeChat
) -> None:
    clients = [make_oa(cache) for cache in cache_pair]
    await asyncio.gather(*(client.list_tags() for client in clients for _ in range(5)))
    assert len(state.calls_to(STABLE)) == 1
    tokens = {call.query["access_token"] for call in state.calls_to(TAGS)}
    assert len(tokens) == 1


async def test_token_is_fetched_from_stable_token_with_secret_in_body(
    oa: OfficialAccountClient, state: FakeWeChat
) -> None:
    await oa.list_tags()
    [fetch] = state.calls_to(STABLE)
    assert fetch.body == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": APP_SECRET,
        "force_refresh": False,
    }
    assert state.calls_to("/cgi-bin/token") == []


@pytest.mark.parametrize("errcode", [L.INVALID_CREDENTIAL, L.TOKEN_EXPIRED])
async def test_token_errcode_refreshes_with_force_and_retries_once(
    oa: OfficialAccountClient, state: FakeWeChat, errcode: int
) -> None:
    await oa.list_tags()
    state.inject(TAGS, errcode=errcode)
    tags = await oa.list_tags()
    assert tags[0].tag_id == L.STAR_TAG_ID
    assert len(state.calls_to(TAGS)) == 3
    assert force_flags(state) == [False, True]


async def test_token_errcode_twice_raises_after_exactly_one_retry(
    oa: OfficialAccountClient, state: FakeWeChat
) -> None:
    state.inject(TAGS, errcode=L.INVALID_CREDENTIAL, times=2)
    with pytest.raises(ApiError) as caught:
        await oa.list_tags()
    assert caught.value.errcode == L.INVALID_CREDENTIAL
    assert not caught.value.retryable
    assert len(state.calls_to(TAGS)) == 2


async def test_server_side_expiry_is_recovered(
    oa: OfficialAccountClient, state: FakeWeChat, clock: FakeClock
) -> None:
    await oa.list_tags()
    clock.advance(L.TOKEN_TTL_S)  # server says 42001; our cache (real time) still has it
    await oa.list_tags()
    assert force_flags(state) == [False, True]


async def test_refresh_uses_a_token_another_process_already_stored(
    oa: OfficialAccountClient, cache: Cache, key_prefix: str, state: FakeWeChat
) -> None:
    stale = await oa.token.get()
    # Another process force-refreshed meanwhile and stored the new token.
    await oa.token.refresh(stale)
    newer = await cache.get(oa_token_key(key_prefix, APPID))
    assert newer is not None
    assert await oa.token.refresh(stale) == newer
    assert len(state.calls_to(STABLE)) == 2


async def test_superseded_classic_token_in_cache_is_replaced_after_overlap(
    oa: OfficialAccountClient, cache: Cache, key_prefix: str, state: FakeWeChat, clock: FakeClock
) -> None:
    # A token another tool fetched from cgi-bin/token, superseded by a later fetch.
    old = state.issue_token("oa", APPID, None)
    state.latest_tokens[("token", APPID)] = old.value
    state.token_deadlines[old.value] = clock.now + L.TOKEN_OVERLAP_S
    await cache.set(oa_token_key(key_prefix, APPID), old.value, ttl_s=3600)
    await oa.list_tags()
    assert len(state.calls_to(STABLE)) == 0  # still inside the overlap
    clock.advance(L.TOKEN_OVERLAP_S)
    await oa.list_tags()
    assert force_flags(state) == [True]
    assert await cache.get(oa_token_key(key_prefix, APPID)) != old.value


async def test_wecom_clients_share_gettoken_and_recover_from_40014(
    session: aiohttp.ClientSession,
    cache_pair: tuple[Cache, Cache],
    api_base: str,
    key_prefix: str,
    state: FakeWeChat,
) -> None:
    credentials = WeComCredentials(CORPID, AGENTID, CORP_SECRET)
    first, second = (
        WeComClient(session, cache, credentials, api_base=api_base, key_prefix=key_prefix)
        for cache in cache_pair
    )
    await asyncio.gather(first.send_text(["alice"], "a"), second.send_text(["alice"], "b"))
    state.inject("/cgi-bin/message/send", errcode=L.WECOM_INVALID_TOKEN)
    await second.send_text(["bob"], "c")
    assert len(state.calls_to("/cgi-bin/gettoken")) == 2
    assert len(state.wecom_messages) == 3


async def test_wrong_secret_is_a_permanent_error(
    session: aiohttp.ClientSession, cache: Cache, api_base: str, key_prefix: str
) -> None:
    credentials = OfficialAccountCredentials(APPID, "wrong")
    client = OfficialAccountClient(
        session, cache, credentials, api_base=api_base, key_prefix=key_prefix
    )
    with pytest.raises(ApiError) as caught:
        await client.list_tags()
    assert caught.value.errcode == L.INVALID_APPSECRET
    assert caught.value.endpoint == STABLE
    assert not caught.value.retryable
