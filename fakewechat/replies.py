"""How the fake answers: HTTP 200 with a JSON errcode, like the real servers."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from fakewechat import limits

ERRMSGS: dict[int, str] = {
    limits.SYSTEM_BUSY: "system error",
    limits.INVALID_CREDENTIAL: "invalid credential, access_token is invalid or not latest",
    limits.INVALID_GRANT_TYPE: "invalid grant_type",
    limits.INVALID_OPENID: "invalid openid",
    limits.INVALID_MSGTYPE: "invalid message type",
    limits.INVALID_APPID: "invalid appid",
    limits.WECOM_INVALID_TOKEN: "invalid access_token",
    limits.INVALID_OPENID_LIST: "invalid openid list size, at most 50",
    limits.INVALID_PARAMETER: "invalid parameter",
    limits.WECOM_INVALID_TAG_ID: "invalid tagid",
    limits.WECOM_INVALID_TAG_NAME: "invalid tag name",
    limits.WECOM_INVALID_EXTERNAL_USERID: "invalid external userid",
    limits.INVALID_APPSECRET: "invalid appsecret",
    limits.MISSING_TOKEN: "access_token missing",
    limits.MISSING_CORPID: "corpid missing",
    limits.MISSING_SECRET: "corpsecret missing",
    limits.TOKEN_EXPIRED: "access_token expired",
    limits.DATA_FORMAT_ERROR: "data format error",
    limits.QUOTA_DAILY: "reach max api daily quota limit",
    limits.QUOTA_MINUTE: "api minute-quota reach limit, must slower, retry next minute",
    limits.INVALID_TEMPLATE_ID: "invalid template_id",
    limits.REQUIRE_SUBSCRIBE: "require subscribe",
    limits.SUBSCRIBE_REFUSED: "user refuse to accept the msg",
    limits.OUT_OF_SERVICE_WINDOW: "response out of time limit or subscription is canceled",
    limits.CUSTOM_SEND_LIMIT: "out of response count limit",
    limits.TOO_MANY_TAGS: "too many tags",
    limits.TAG_NAME_DUPLICATE: "invalid tag name, duplicated",
    limits.TAG_NAME_TOO_LONG: "tag name too long",
    limits.INVALID_TAG_ID: "invalid tag id",
    limits.USER_TAGS_FULL: "tag count of a user exceeds the limit",
    limits.WECOM_ALL_TARGETS_INVALID: "all touser, toparty, totag invalid",
    limits.WECOM_NO_FOLLOW_RELATION: "no external contact relation",
    limits.WECOM_INVALID_WEBHOOK: "invalid webhook url",
    limits.WECOM_AGENT_MISMATCH: "agentid does not match the access_token",
    limits.OA_INVALID_ARGS: "invalid args",
    limits.WECOM_INVALID_USERID_LIST: "invalid userid list",
    limits.WECOM_USERID_LIST_LENGTH: "invalid userid list size",
    limits.WELCOME_ALREADY_SENT: "externaluser has started chatting",
    limits.WELCOME_BEING_SENT: "welcome msg is being distributed",
    limits.MISSING_EXTERNAL_USERID: "missing external userid",
    limits.MEMBER_NOT_RESIGNED: "user is not resigned",
    limits.RECEIVER_CUSTOMERS_FULL: "external contact count reach limit",
    limits.TRANSFER_TOO_OFTEN: "customer transferred too frequently",
    limits.TRANSFER_IN_PROGRESS: "customer is being transferred",
    limits.SAME_HANDOVER_AND_TAKEOVER: "handover_userid is the same as takeover_userid",
    limits.NOT_THE_FOLLOWER: "handover_userid is not the follower of the external contact",
}


def error(errcode: int, detail: str = "") -> web.Response:
    """An error answer; `detail` is appended the way the servers append a hint."""
    errmsg = ERRMSGS.get(errcode, "error")
    if detail:
        errmsg = f"{errmsg}: {detail}"
    return _json({"errcode": errcode, "errmsg": errmsg})


def ok(**fields: Any) -> web.Response:
    """A success answer with the usual errcode 0 prefix."""
    return _json({"errcode": 0, "errmsg": "ok", **fields})


def bare(**fields: Any) -> web.Response:
    """A success answer without errcode (the OA token and user APIs omit it)."""
    return _json(fields)


def _json(data: dict[str, Any]) -> web.Response:
    # The real servers answer UTF-8 JSON, sometimes labelled text/plain; we
    # label it correctly but clients should not rely on the content type.
    return web.Response(text=json.dumps(data, ensure_ascii=False), content_type="application/json")
