"""Access-token checks shared by every protected route."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.records import Family, IssuedToken, JsonDict
from fakewechat.state import FakeWeChat


@dataclass(frozen=True)
class Call:
    """A request that passed the token check, with its decoded JSON body."""

    state: FakeWeChat
    token: IssuedToken
    query: Mapping[str, str]
    body: JsonDict


CallHandler = Callable[[Call], Awaitable[web.Response]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def token_error(state: FakeWeChat, family: Family, value: str | None) -> int | None:
    """The errcode the real server gives for `value`, or None when it is valid."""
    if not value:
        return limits.MISSING_TOKEN
    # OA says 40001 for a token it does not know; WeCom says 40014.
    unknown = limits.INVALID_CREDENTIAL if family == "oa" else limits.WECOM_INVALID_TOKEN
    token = state.tokens.get(value)
    if token is None or token.family != family:
        return unknown
    now = state.now()
    deadline = state.token_deadlines.get(value)
    if deadline is not None and now >= deadline:
        return unknown
    if now >= token.expires_at:
        return limits.TOKEN_EXPIRED
    return None


async def read_json(request: web.Request) -> JsonDict | None:
    """The body as a JSON object; None when it is not one."""
    try:
        data = json.loads(await request.text() or "{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def protected(state: FakeWeChat, family: Family, handler: CallHandler) -> Handler:
    """Wrap `handler` so it only runs with a valid token of `family`."""

    async def handle(request: web.Request) -> web.Response:
        value = request.query.get("access_token")
        errcode = token_error(state, family, value)
        if errcode is not None or value is None:
            return replies.error(errcode or limits.MISSING_TOKEN)
        body: JsonDict = {}
        if request.method == "POST":
            parsed = await read_json(request)
            if parsed is None:
                return replies.error(limits.DATA_FORMAT_ERROR)
            body = parsed
        return await handler(Call(state, state.tokens[value], request.query, body))

    return handle
