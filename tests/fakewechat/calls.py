"""Raw HTTP helpers for talking to the fake in its own tests."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.fakewechat.world import APP_SECRET, APPID, CORP_SECRET, CORPID

FakeClient = TestClient[web.Request, web.Application]


async def fetch_json(client: FakeClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """Call the fake and decode its JSON answer (always HTTP 200 unless a fault says so)."""
    async with client.request(method, path, **kwargs) as response:
        assert response.status == 200
        data: dict[str, Any] = await response.json()
        return data


async def oa_token(client: FakeClient) -> str:
    """A fresh token from `cgi-bin/token`."""
    params = {"grant_type": "client_credential", "appid": APPID, "secret": APP_SECRET}
    data = await fetch_json(client, "GET", "/cgi-bin/token", params=params)
    return str(data["access_token"])


async def wecom_token(client: FakeClient) -> str:
    """The current WeCom app token."""
    params = {"corpid": CORPID, "corpsecret": CORP_SECRET}
    data = await fetch_json(client, "GET", "/cgi-bin/gettoken", params=params)
    return str(data["access_token"])
