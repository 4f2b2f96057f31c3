"""Token endpoints of the fake: lifetimes, overlap, stable mode and force limits."""

from __future__ import annotations

import pytest

from fakewechat import FakeClock
from fakewechat import limits as L
from tests.fakewechat.calls import FakeClient, fetch_json, oa_token, wecom_token
from tests.fakewechat.world import APP_SECRET, APPID, CORPID

TAGS = "/cgi-bin/tags/get"


async def tag_call(client: FakeClient, token: str) -> int:
    data = await fetch_json(client, "GET", TAGS, params={"access_token": token})
    return int(data.get("errcode", 0))


def stable_body(force: bool = False) -> dict[str, object]:
    return {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": APP_SECRET,
        "force_refresh": force,
    }


async def stable(client: FakeClient, force: bool = False) -> dict[str, object]:
    return await fetch_json(client, "POST", "/cgi-bin/stable_token", json=stable_body(force))


async def test_token_answer_has_expires_in_7200(client: FakeClient) -> None:
    params = {"grant_type": "client_credential", "appid": APPID, "secret": APP_SECRET}
    data = await fetch_json(client, "GET", "/cgi-bin/token", params=params)
    assert data["expires_in"] == 7200
    assert "errcode" not in data


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"grant_type": "password", "appid": APPID, "secret": APP_SECRET}, L.INVALID_GRANT_TYPE),
        ({"grant_type": "client_credential", "appid": "wxnope", "secret": "x"}, L.INVALID_APPID),
        ({"grant_type": "client_credential", "appid": APPID, "secret": "x"}, L.INVALID_APPSECRET),
    ],
)
async def test_token_rejects_bad_credentials(
    client: FakeClient, params: dict[str, str], errcode: int
) -> None:
    data = await fetch_json(client, "GET", "/cgi-bin/token", params=params)
    assert data["errcode"] == errcode


async def test_new_token_leaves_old_one_valid_for_five_minutes(
    client: FakeClient, clock: FakeClock
) -> None:
    old = await oa_token(client)
    new = await oa_token(client)
    assert new != old
    clock.advance(L.TOKEN_OVERLAP_S - 1)
    assert await tag_call(client, old) == 0
    clock.advance(1)
    assert await tag_call(client, old) == L.INVALID_CREDENTIAL
    assert await tag_call(client, new) == 0


async def test_token_expires_after_7200_s_with_42001(client: FakeClient, clock: FakeClock) -> None:
    token = await oa_token(client)
    clock.advance(7199)
    assert await tag_call(client, token) == 0
    clock.advance(1)
    assert await tag_call(client, token) == L.TOKEN_EXPIRED


@pytest.mark.parametrize(
    ("params", "errcode"),
    [({}, L.MISSING_TOKEN), ({"access_token": "forged"}, L.INVALID_CREDENTIAL)],
)
async def test_missing_or_unknown_token(
    client: FakeClient, params: dict[str, str], errcode: int
) -> None:
    data = await fetch_json(client, "GET", TAGS, params=params)
    assert data["errcode"] == errcode


async def test_wecom_token_rejected_by_oa_api(client: FakeClient) -> None:
    token = await wecom_token(client)
    assert await tag_call(client, token) == L.INVALID_CREDENTIAL


async def test_stable_token_normal_mode_returns_same_token(
    client: FakeClient, clock: FakeClock
) -> None:
    first = await stable(client)
    clock.advance(600)
    second = await stable(client)
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] == 7200 - 600


async def test_stable_token_renews_five_minutes_early_and_old_stays_valid(
    client: FakeClient, clock: FakeClock
) -> None:
    first = await stable(client)
    clock.advance(7200 - L.STABLE_RENEW_BEFORE_S)
    second = await stable(client)
    assert second["access_token"] != first["access_token"]
    assert await tag_call(client, str(first["access_token"])) == 0


async def test_force_refresh_invalidates_previous_token(
    client: FakeClient, clock: FakeClock
) -> None:
    first = await stable(client)
    forced = await stable(client, force=True)
    assert forced["access_token"] != first["access_token"]
    assert await tag_call(client, str(first["access_token"])) == L.INVALID_CREDENTIAL
    assert await tag_call(client, str(forced["access_token"])) == 0


async def test_force_refresh_needs_30_s_between_calls(client: FakeClient, clock: FakeClock) -> None:
    await stable(client, force=True)
    clock.advance(L.STABLE_FORCE_INTERVAL_S - 1)
    assert (await stable(client, force=True))["errcode"] == L.QUOTA_MINUTE
    clock.advance(1)
    assert "errcode" not in await stable(client, force=True)


async def test_force_refresh_at_most_20_a_day(client: FakeClient, clock: FakeClock) -> None:
    clock.now = 86400 * 20_000  # start of a day
    for _ in range(L.STABLE_FORCE_PER_DAY_MAX):
        assert "errcode" not in await stable(client, force=True)
        clock.advance(L.STABLE_FORCE_INTERVAL_S)
    assert (await stable(client, force=True))["errcode"] == L.QUOTA_DAILY
    clock.now = 86400 * 20_001
    assert "errcode" not in await stable(client, force=True)


async def test_gettoken_returns_same_token_while_valid(
    client: FakeClient, clock: FakeClock
) -> None:
    first = await wecom_token(client)
    clock.advance(7000)
    assert await wecom_token(client) == first
    clock.advance(200)
    assert await wecom_token(client) != first


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"corpsecret": "x"}, L.MISSING_CORPID),
        ({"corpid": CORPID}, L.MISSING_SECRET),
        ({"corpid": "wwnope", "corpsecret": "x"}, L.INVALID_APPID),
        ({"corpid": CORPID, "corpsecret": "wrong"}, L.INVALID_CREDENTIAL),
    ],
)
async def test_gettoken_rejects_bad_credentials(
    client: FakeClient, params: dict[str, str], errcode: int
) -> None:
    data = await fetch_json(client, "GET", "/cgi-bin/gettoken", params=params)
    assert data["errcode"] == errcode


async def test_wecom_reports_unknown_token_as_40014(client: FakeClient) -> None:
    data = await fetch_json(
        client, "POST", "/cgi-bin/message/send", params={"access_token": "forged"}, json={}
    )
    assert data["errcode"] == L.WECOM_INVALID_TOKEN
