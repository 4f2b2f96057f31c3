"""WeCom group robots: `webhook/send?key=`, where the key is the only credential."""

from __future__ import annotations

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import read_json
from fakewechat.records import WebhookMessage
from fakewechat.state import FakeWeChat


def webhook_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The group-robot route bound to `state`."""

    async def send(request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        if key not in state.webhook_keys:
            return replies.error(limits.WECOM_INVALID_WEBHOOK)
        body = await read_json(request)
        msgtype = None if body is None else body.get("msgtype")
        if body is None or not isinstance(msgtype, str) or not isinstance(body.get(msgtype), dict):
            return replies.error(limits.DATA_FORMAT_ERROR)
        now = state.now()
        # A sliding minute per key: the 21st message inside 60 s is refused.
        recent = [
            at for at in state.webhook_sends.get(key, []) if now - at < limits.WEBHOOK_WINDOW_S
        ]
        if len(recent) >= limits.WEBHOOK_PER_MINUTE_MAX:
            state.webhook_sends[key] = recent
            return replies.error(limits.WEBHOOK_RATE_LIMITED, "api freq out of limit")
        state.webhook_sends[key] = [*recent, now]
        state.webhook_messages.append(WebhookMessage(key, body, now))
        return replies.ok()

    return [web.post("/cgi-bin/webhook/send", send)]
