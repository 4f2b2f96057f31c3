"""Outbound channels the journeys use: template and subscribe messages, WeCom mass tasks.

- `message/template/send`: needs a follower (43004 otherwise); `client_msg_id`
  makes a resend a no-op that answers with the first msgid.
- `message/subscribe/bizsend`: needs the user's acceptance of that template
  (43101 otherwise) and a follower.
- `externalcontact/add_msg_template`: a task the sender confirms in WeCom; customers
  without a relation to the sender come back in `fail_list` (errcode still 0).
"""

from __future__ import annotations

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, protected
from fakewechat.records import MsgTemplateTask, TemplateMessage
from fakewechat.state import FakeWeChat


def _follower_refusal(call: Call, openid: object, missing: int) -> int | None:
    follower = call.state.followers.get((call.token.owner, str(openid)))
    if follower is None and call.state.auto_followers and isinstance(openid, str) and openid:
        follower = call.state.add_follower(call.token.owner, openid)
    if follower is None:
        return limits.INVALID_OPENID
    return None if follower.subscribed else missing


def _template_id(call: Call) -> str | None:
    template_id = call.body.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        return None
    known = call.state.template_ids
    return template_id if not known or template_id in known else None


async def send_template(call: Call) -> web.Response:
    openid = call.body.get("touser")
    template_id = _template_id(call)
    if template_id is None:
        return replies.error(limits.INVALID_TEMPLATE_ID)
    refusal = _follower_refusal(call, openid, limits.REQUIRE_SUBSCRIBE)
    if refusal is not None:
        return replies.error(refusal)
    client_msg_id = call.body.get("client_msg_id")
    for index, sent in enumerate(call.state.template_messages):
        if client_msg_id and sent.payload.get("client_msg_id") == client_msg_id:
            return replies.ok(msgid=index + 1)
    call.state.template_messages.append(
        TemplateMessage(call.token.owner, str(openid), template_id, call.body, call.state.now())
    )
    return replies.ok(msgid=len(call.state.template_messages))


async def send_subscribe(call: Call) -> web.Response:
    openid = call.body.get("touser")
    template_id = _template_id(call)
    if template_id is None:
        return replies.error(limits.INVALID_TEMPLATE_ID)
    refusal = _follower_refusal(call, openid, limits.SUBSCRIBE_REFUSED)
    if refusal is not None:
        return replies.error(refusal)
    if (str(openid), template_id) not in call.state.subscribe_consents:
        return replies.error(limits.SUBSCRIBE_REFUSED)
    call.state.template_messages.append(
        TemplateMessage(
            call.token.owner, str(openid), template_id, call.body, call.state.now(), "subscribe"
        )
    )
    return replies.ok()


async def add_msg_template(call: Call) -> web.Response:
    sender = call.body.get("sender")
    externals = call.body.get("external_userid")
    if not isinstance(sender, str) or sender not in call.state.corps[call.token.owner].members:
        return replies.error(limits.INVALID_PARAMETER, "sender")
    if not isinstance(externals, list) or not externals:
        return replies.error(limits.INVALID_PARAMETER, "external_userid")
    reachable = [
        str(e)
        for e in externals
        if sender in getattr(call.state.external_contacts.get(str(e)), "followers", {})
    ]
    failed = [str(e) for e in externals if str(e) not in reachable]
    msgid = f"msg{call.state.next_id()}"
    if reachable:
        call.state.msg_templates.append(
            MsgTemplateTask(
                call.token.owner, msgid, sender, tuple(reachable), call.body, call.state.now()
            )
        )
    return replies.ok(fail_list=failed, msgid=msgid)


def journey_routes(state: FakeWeChat) -> list[web.RouteDef]:
    return [
        web.post("/cgi-bin/message/template/send", protected(state, "oa", send_template)),
        web.post("/cgi-bin/message/subscribe/bizsend", protected(state, "oa", send_subscribe)),
        web.post(
            "/cgi-bin/externalcontact/add_msg_template",
            protected(state, "wecom", add_msg_template),
        ),
    ]
