"""Where people arrive: parametric QR codes (OA) and contact-me codes with welcomes (WeCom).

`qrcode/create` and `showqrcode` (a real PNG, drawn by segno), `add_contact_way`,
`update_contact_way`, `get_contact_way`, `del_contact_way` and `send_welcome_msg`,
with the limits and error codes in `fakewechat.limits`. Plus one route of the fake's
own, `/_sim/add_contact`, with which the simulator plays a customer scanning a
contact-me code: the fake picks the member and issues the WelcomeCode.
"""

from __future__ import annotations

import io
import secrets
from functools import partial
from urllib.parse import quote

import segno
from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, protected, read_json
from fakewechat.records import ContactWay, JsonDict, QrTicket, WelcomeMessage
from fakewechat.state import FakeWeChat

_QR_ACTIONS = {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}


def _scene(body: JsonDict) -> str | None:
    info = body.get("action_info")
    scene = info.get("scene") if isinstance(info, dict) else None
    if not isinstance(scene, dict):
        return None
    value = scene.get("scene_str", scene.get("scene_id"))
    return None if value is None else str(value)


async def create_qrcode(call: Call) -> web.Response:
    """`qrcode/create`: a ticket, its URL and expiry (none for a permanent code)."""
    action = call.body.get("action_name")
    scene = _scene(call.body)
    if action not in _QR_ACTIONS or scene is None:
        return replies.error(limits.OA_INVALID_ARGS, "action_name or action_info")
    if not 1 <= len(scene) <= limits.QR_SCENE_STR_MAX:
        return replies.error(limits.OA_INVALID_ARGS, "scene_str length must be 1-64")
    appid = call.token.owner
    permanent = str(action).startswith("QR_LIMIT")
    expires_at = None
    extra: JsonDict = {}
    if permanent:
        made = sum(1 for t in call.state.qr_tickets.values()
                   if t.appid == appid and t.expires_at is None)  # fmt: skip
        if made >= limits.PERMANENT_QR_MAX:
            return replies.error(limits.QUOTA_DAILY, "permanent qrcode limit reached")
    else:
        seconds = call.body.get("expire_seconds", limits.QR_EXPIRE_DEFAULT_S)
        if not isinstance(seconds, int) or not 0 < seconds <= limits.QR_EXPIRE_MAX_S:
            return replies.error(limits.OA_INVALID_ARGS, "expire_seconds must be 1-2592000")
        expires_at = call.state.now() + seconds
        extra["expire_seconds"] = seconds
    ticket = secrets.token_urlsafe(24)
    url = f"http://weixin.qq.com/q/{secrets.token_urlsafe(12)}"
    call.state.qr_tickets[ticket] = QrTicket(ticket, appid, scene, url, expires_at)
    return replies.bare(ticket=ticket, url=url, **extra)


async def show_qrcode(state: FakeWeChat, request: web.Request) -> web.Response:
    """`showqrcode?ticket=`: the code's image (no token: the ticket is the credential)."""
    found = state.qr_tickets.get(request.query.get("ticket", ""))
    if found is None or (found.expires_at is not None and state.now() >= found.expires_at):
        return web.Response(status=404, text="invalid or expired ticket")
    buffer = io.BytesIO()
    segno.make(found.url, error="m").save(buffer, kind="png", scale=8, border=4)
    return web.Response(body=buffer.getvalue(), content_type="image/png")


def _users(call: Call) -> list[str] | web.Response:
    users = call.body.get("user", [])
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        return replies.error(limits.DATA_FORMAT_ERROR, "user must be a list of userids")
    if len(users) > limits.CONTACT_WAY_MEMBERS_MAX:
        return replies.error(limits.WECOM_USERID_LIST_LENGTH)
    members = call.state.corps[call.token.owner].members
    if members and any(u not in members for u in users):
        return replies.error(limits.WECOM_INVALID_USERID_LIST)
    return list(users)


def _state_ok(call: Call) -> web.Response | None:
    for key in ("state", "remark"):
        value = call.body.get(key, "")
        if not isinstance(value, str) or len(value) > limits.CONTACT_WAY_STATE_MAX:
            return replies.error(limits.INVALID_PARAMETER, f"{key} is at most 30 characters")
    return None


async def add_contact_way(call: Call) -> web.Response:
    """`externalcontact/add_contact_way`: config_id and, for scene 2, the QR code's URL."""
    way_type, scene = call.body.get("type"), call.body.get("scene")
    if way_type not in (1, 2) or scene not in (1, 2):
        return replies.error(limits.INVALID_PARAMETER, "type must be 1 or 2, scene 1 or 2")
    refused = _state_ok(call)
    if refused is not None:
        return refused
    users = _users(call)
    if isinstance(users, web.Response):
        return users
    if not users or (way_type == 1 and len(users) != 1):
        return replies.error(limits.INVALID_PARAMETER, "type 1 takes one user, type 2 some")
    config_id = secrets.token_hex(16)
    qr_code = f"https://wework.qpic.cn/wwpic/{config_id}/0" if scene == 2 else ""  # noqa: PLR2004
    call.state.contact_ways[config_id] = ContactWay(
        config_id, call.token.owner, int(way_type), int(scene), str(call.body.get("state", "")),
        users, bool(call.body.get("skip_verify", True)), qr_code, str(call.body.get("remark", "")),
    )  # fmt: skip
    return replies.ok(config_id=config_id, **({"qr_code": qr_code} if qr_code else {}))


def _way(call: Call) -> ContactWay | web.Response:
    way = call.state.contact_ways.get(str(call.body.get("config_id", "")))
    if way is None or way.corpid != call.token.owner:
        return replies.error(limits.INVALID_PARAMETER, "invalid config_id")
    return way


async def update_contact_way(call: Call) -> web.Response:
    """`update_contact_way`: the lists given replace the way's (absent: unchanged)."""
    way = _way(call)
    if isinstance(way, web.Response):
        return way
    refused = _state_ok(call)
    if refused is not None:
        return refused
    if "user" in call.body:
        users = _users(call)
        if isinstance(users, web.Response):
            return users
        way.users = users
    if "skip_verify" in call.body:
        way.skip_verify = bool(call.body["skip_verify"])
    if "state" in call.body:
        way.state = str(call.body["state"])
    return replies.ok()


async def get_contact_way(call: Call) -> web.Response:
    way = _way(call)
    if isinstance(way, web.Response):
        return way
    return replies.ok(contact_way={
        "config_id": way.config_id, "type": way.type, "scene": way.scene,
        "skip_verify": way.skip_verify, "state": way.state, "user": way.users,
        "qr_code": way.qr_code, "remark": way.remark,
    })  # fmt: skip


async def del_contact_way(call: Call) -> web.Response:
    way = _way(call)
    if isinstance(way, web.Response):
        return way
    del call.state.contact_ways[way.config_id]
    return replies.ok()


async def send_welcome_msg(call: Call) -> web.Response:
    """`send_welcome_msg`: the code works within 20 s of the add, once (41051 after)."""
    code = call.state.welcome_codes.get(str(call.body.get("welcome_code", "")))
    if code is None or code.corpid != call.token.owner:
        return replies.error(limits.INVALID_PARAMETER, "invalid welcome_code")
    if code.used:
        return replies.error(limits.WELCOME_ALREADY_SENT)
    if call.state.now() - code.issued_at > limits.WELCOME_CODE_TTL_S:
        return replies.error(limits.INVALID_PARAMETER, "welcome_code expired")
    attachments = call.body.get("attachments", [])
    text = call.body.get("text")
    if not isinstance(attachments, list) or len(attachments) > limits.WELCOME_ATTACHMENTS_MAX:
        return replies.error(limits.INVALID_PARAMETER, "at most 9 attachments")
    if not attachments and not (isinstance(text, dict) and text.get("content")):
        return replies.error(limits.INVALID_PARAMETER, "text or attachments required")
    code.used = True
    call.state.welcomes.append(
        WelcomeMessage(code.code, code.userid, code.external_userid, call.body, call.state.now())
    )
    return replies.ok()


async def simulate_add(state: FakeWeChat, request: web.Request) -> web.Response:
    """The fake's own: a customer adds through the way with `state` (for the simulator)."""
    body = await read_json(request) or {}
    try:
        code = state.simulate_add(
            str(body.get("state", "")), str(body.get("external_userid", "")),
            str(body.get("name", "客户")),
        )  # fmt: skip
    except KeyError as error:
        return web.json_response({"error": str(error)}, status=404)
    return web.json_response(
        {"userid": code.userid, "welcome_code": code.code, "corp_id": code.corpid}
    )


def qr_image_path(ticket: str) -> str:
    """The path (under the API base) of a ticket's image, as WeChat's showqrcode takes it."""
    return f"/cgi-bin/showqrcode?ticket={quote(ticket, safe='')}"


def channel_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The QR-code, contact-way and welcome routes bound to `state`."""
    base = "/cgi-bin/externalcontact"
    return [
        web.post("/cgi-bin/qrcode/create", protected(state, "oa", create_qrcode)),
        web.get("/cgi-bin/showqrcode", partial(show_qrcode, state)),
        web.post(f"{base}/add_contact_way", protected(state, "wecom", add_contact_way)),
        web.post(f"{base}/update_contact_way", protected(state, "wecom", update_contact_way)),
        web.post(f"{base}/get_contact_way", protected(state, "wecom", get_contact_way)),
        web.post(f"{base}/del_contact_way", protected(state, "wecom", del_contact_way)),
        web.post(f"{base}/send_welcome_msg", protected(state, "wecom", send_welcome_msg)),
        web.post("/_sim/add_contact", partial(simulate_add, state)),
    ]
