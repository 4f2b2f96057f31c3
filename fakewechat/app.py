"""The fake server: one aiohttp app answering both api.weixin and qyapi.weixin paths.

The two hosts' paths do not collide under `/cgi-bin/`, so tests and the
simulator point both clients' `api_base` at this one server.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from fakewechat import replies
from fakewechat.auth import read_json
from fakewechat.channel_routes import channel_routes
from fakewechat.contact_routes import contact_routes
from fakewechat.journey_routes import journey_routes
from fakewechat.menu_routes import menu_routes
from fakewechat.oa_routes import oa_routes
from fakewechat.records import CallRecord
from fakewechat.state import FakeWeChat
from fakewechat.tokens import token_routes
from fakewechat.transfer_routes import transfer_routes
from fakewechat.webhook_routes import webhook_routes
from fakewechat.wecom_routes import wecom_routes

STATE_KEY = web.AppKey("fakewechat_state", FakeWeChat)


def _recorder(state: FakeWeChat) -> Middleware:
    """Log every call, then play any fault queued for its path."""

    @web.middleware
    async def record_and_fault(request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await read_json(request) if request.method == "POST" else None
        state.calls.append(
            CallRecord(request.method, request.path, dict(request.query), body, state.now())
        )
        fault = state.take_fault(request.path)
        if fault is None:
            return await handler(request)
        if fault.http_status is None and fault.errcode is None:
            # WeChat carries out a call it received even when the answer comes too late
            # for the caller: the work is done first, then the answer stalls.
            response = await handler(request)
            await asyncio.sleep(fault.delay_s)
            return response
        await asyncio.sleep(fault.delay_s)
        if fault.http_status is not None:
            return web.Response(status=fault.http_status, text="fault injected")
        return replies.error(fault.errcode or -1, "fault injected")

    return record_and_fault


def create_fake_app(state: FakeWeChat) -> web.Application:
    """Build the fake OA + WeCom API server around `state`."""
    app = web.Application(middlewares=[_recorder(state)])
    app[STATE_KEY] = state
    for routes in (
        channel_routes,
        token_routes,
        oa_routes,
        wecom_routes,
        contact_routes,
        webhook_routes,
        journey_routes,
        menu_routes,
        transfer_routes,
    ):
        app.add_routes(routes(state))
    return app
