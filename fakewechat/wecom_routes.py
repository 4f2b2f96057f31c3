"""WeCom app messages: `message/send` and `message/update_template_card`."""

from __future__ import annotations

import json
import secrets

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, protected
from fakewechat.records import CardUpdate, WeComMessage
from fakewechat.state import FakeWeChat

MSGTYPES = frozenset(
    {"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown",
     "miniprogram_notice", "template_card"}
)  # fmt: skip
# Only these card types carry buttons, so only they get a response_code.
INTERACTIVE_CARDS = frozenset({"button_interaction", "vote_interaction", "multiple_interaction"})
_DEDUP_OPTIONS = ("enable_duplicate_check", "duplicate_check_interval")


def _recipients(call: Call) -> tuple[list[str], list[str]]:
    """Valid and invalid userids named by `touser` ("a|b" or "@all")."""
    members = call.state.corps[call.token.owner].members
    touser = str(call.body.get("touser", ""))
    if touser == "@all":
        return sorted(members), []
    named = [u for u in touser.split("|") if u]
    return [u for u in named if u in members], [u for u in named if u not in members]


def _duplicate_of(call: Call) -> str | None:
    """The msgid of an identical message inside the duplicate-check window."""
    if call.body.get("enable_duplicate_check") != 1:
        return None
    interval = call.body.get("duplicate_check_interval", limits.DUPLICATE_CHECK_DEFAULT_S)
    seen = call.state.wecom_fingerprints.get(_fingerprint(call))
    if seen is None or call.state.now() - seen[0] >= float(interval):
        return None
    return seen[1]


def _fingerprint(call: Call) -> str:
    content = {k: v for k, v in call.body.items() if k not in _DEDUP_OPTIONS}
    return f"{call.token.owner}:{json.dumps(content, sort_keys=True, ensure_ascii=False)}"


async def send_message(call: Call) -> web.Response:
    """`message/send`: records accepted messages, reports unknown users in invaliduser."""
    if call.body.get("agentid") != call.token.agentid:
        return replies.error(limits.WECOM_AGENT_MISMATCH)
    msgtype = call.body.get("msgtype")
    if msgtype not in MSGTYPES or not isinstance(call.body.get(msgtype), dict):
        return replies.error(limits.INVALID_MSGTYPE)
    valid, invalid = _recipients(call)
    if not valid:
        return replies.error(limits.WECOM_ALL_TARGETS_INVALID)
    common = {"invaliduser": "|".join(invalid), "invalidparty": "", "invalidtag": ""}
    duplicate = _duplicate_of(call)
    if duplicate is not None:
        # The server accepts a duplicate and silently does not deliver it.
        call.state.duplicates_suppressed += 1
        return replies.ok(**common, unlicenseduser="", msgid=duplicate)
    msgid = f"msg{call.state.next_id()}"
    response_code = _response_code(call, str(msgtype))
    call.state.wecom_fingerprints[_fingerprint(call)] = (call.state.now(), msgid)
    call.state.wecom_messages.append(
        WeComMessage(
            corpid=call.token.owner,
            agentid=int(call.body["agentid"]),
            msgid=msgid,
            touser=tuple(valid),
            msgtype=str(msgtype),
            payload=call.body,
            at=call.state.now(),
            response_code=response_code,
        )
    )
    extra = {} if response_code is None else {"response_code": response_code}
    return replies.ok(**common, unlicenseduser="", msgid=msgid, **extra)


def _response_code(call: Call, msgtype: str) -> str | None:
    card = call.body.get("template_card")
    if msgtype != "template_card" or not isinstance(card, dict):
        return None
    if card.get("card_type") not in INTERACTIVE_CARDS:
        return None
    code = secrets.token_urlsafe(16)
    call.state.response_codes[code] = call.state.now()
    return code


async def update_template_card(call: Call) -> web.Response:
    """`message/update_template_card`: each response_code works once, within 72 h."""
    if call.body.get("agentid") != call.token.agentid:
        return replies.error(limits.WECOM_AGENT_MISMATCH)
    code = str(call.body.get("response_code", ""))
    issued_at = call.state.response_codes.get(code)
    if issued_at is None or call.state.now() - issued_at > limits.CARD_RESPONSE_CODE_TTL_S:
        return replies.error(limits.INVALID_PARAMETER, "response_code invalid, used or expired")
    del call.state.response_codes[code]
    call.state.card_updates.append(
        CardUpdate(call.token.owner, int(call.body["agentid"]), code, call.body, call.state.now())
    )
    return replies.ok(invaliduser=[])


def wecom_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The WeCom message routes bound to `state`."""
    return [
        web.post("/cgi-bin/message/send", protected(state, "wecom", send_message)),
        web.post(
            "/cgi-bin/message/update_template_card",
            protected(state, "wecom", update_template_card),
        ),
    ]
