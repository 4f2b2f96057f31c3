"""Official-account business endpoints: custom messages, user info, tags."""

from __future__ import annotations

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, protected
from fakewechat.records import CustomMessage, Follower
from fakewechat.state import FakeWeChat

_SYSTEM_TAGS = {limits.STAR_TAG_ID: "星标组"}


def _follower(call: Call, openid: object) -> Follower | None:
    follower = call.state.followers.get((call.token.owner, str(openid)))
    if follower is None and call.state.auto_followers and isinstance(openid, str) and openid:
        follower = call.state.add_follower(call.token.owner, openid)
    return follower


async def send_custom(call: Call) -> web.Response:
    """`message/custom/send`: honours blocks, follow state and (optionally) the window."""
    openid = call.body.get("touser")
    msgtype = call.body.get("msgtype")
    follower = _follower(call, openid)
    if follower is None:
        return replies.error(limits.INVALID_OPENID)
    if not isinstance(msgtype, str) or not isinstance(call.body.get(msgtype), dict):
        return replies.error(limits.INVALID_MSGTYPE)
    refusal = _refusal(call, follower)
    if refusal is not None:
        return replies.error(refusal)
    follower.sent_since_interaction += 1
    call.state.custom_messages.append(
        CustomMessage(call.token.owner, follower.openid, msgtype, call.body, call.state.now())
    )
    return replies.ok()


def _refusal(call: Call, follower: Follower) -> int | None:
    """Why a custom message to `follower` is refused now, if it is."""
    blocked = call.state.blocked_openids.get(follower.openid)
    if blocked is not None:
        return blocked
    if not follower.subscribed:
        return limits.OUT_OF_SERVICE_WINDOW
    if not call.state.enforce_service_window:
        return None
    last = follower.last_interaction_at
    if last is None or call.state.now() - last > limits.SERVICE_WINDOW_S:
        return limits.OUT_OF_SERVICE_WINDOW
    if follower.sent_since_interaction >= limits.CUSTOM_MESSAGES_PER_INTERACTION_MAX:
        return limits.CUSTOM_SEND_LIMIT
    return None


async def user_info(call: Call) -> web.Response:
    """`user/info`: no nickname or avatar since 2021-12; unionid only when bound."""
    follower = _follower(call, call.query.get("openid"))
    if follower is None:
        return replies.error(limits.INVALID_OPENID)
    union = {} if follower.unionid is None else {"unionid": follower.unionid}
    if not follower.subscribed:
        return replies.bare(subscribe=0, openid=follower.openid, **union)
    return replies.bare(
        subscribe=1,
        openid=follower.openid,
        language="zh_CN",
        subscribe_time=follower.subscribe_time,
        remark="",
        groupid=0,
        tagid_list=list(follower.tag_ids),
        subscribe_scene=follower.subscribe_scene,
        qr_scene=follower.qr_scene,
        qr_scene_str=follower.qr_scene_str,
        **union,
    )


async def create_tag(call: Call) -> web.Response:
    """`tags/create`: at most 100 custom tags, unique names of at most 30 bytes."""
    account = call.state.accounts[call.token.owner]
    tag = call.body.get("tag")
    name = tag.get("name") if isinstance(tag, dict) else None
    if not isinstance(name, str) or not name:
        return replies.error(limits.DATA_FORMAT_ERROR)
    if len(name.encode()) > limits.TAG_NAME_MAX_BYTES:
        return replies.error(limits.TAG_NAME_TOO_LONG)
    if name in account.tags.values() or name in _SYSTEM_TAGS.values():
        return replies.error(limits.TAG_NAME_DUPLICATE)
    if len(account.tags) >= limits.TAGS_PER_ACCOUNT_MAX:
        return replies.error(limits.TOO_MANY_TAGS)
    tag_id = account.next_tag_id
    account.next_tag_id += 1
    account.tags[tag_id] = name
    return replies.bare(tag={"id": tag_id, "name": name})


async def list_tags(call: Call) -> web.Response:
    """`tags/get`: the system star tag first, then custom tags with member counts."""
    appid = call.token.owner
    account = call.state.accounts[appid]
    tags = [
        {"id": tag_id, "name": name, "count": len(call.state.members_of(appid, tag_id))}
        for tag_id, name in {**_SYSTEM_TAGS, **account.tags}.items()
    ]
    return replies.bare(tags=tags)


def _tagging_target(call: Call) -> tuple[int, list[Follower]] | web.Response:
    """Validate a batch (un)tagging body; the tag id and followers, or the error."""
    openids = call.body.get("openid_list")
    tag_id = call.body.get("tagid")
    if not isinstance(openids, list) or not openids:
        return replies.error(limits.INVALID_OPENID_LIST, "empty openid_list")
    if len(openids) > limits.BATCH_TAGGING_MAX:
        return replies.error(limits.INVALID_OPENID_LIST)
    account = call.state.accounts[call.token.owner]
    if not isinstance(tag_id, int) or (tag_id not in account.tags and tag_id not in _SYSTEM_TAGS):
        return replies.error(limits.INVALID_TAG_ID)
    followers = [_follower(call, openid) for openid in openids]
    known = [f for f in followers if f is not None]
    if len(known) != len(followers):
        return replies.error(limits.INVALID_OPENID)
    return tag_id, known


async def batch_tag(call: Call) -> web.Response:
    """`tags/members/batchtagging`: all or nothing when a user would pass 20 tags."""
    target = _tagging_target(call)
    if isinstance(target, web.Response):
        return target
    tag_id, followers = target
    new = [f for f in followers if tag_id not in f.tag_ids]
    if any(len(f.tag_ids) >= limits.TAGS_PER_USER_MAX for f in new):
        return replies.error(limits.USER_TAGS_FULL)
    for follower in new:
        follower.tag_ids.append(tag_id)
    return replies.ok()


async def batch_untag(call: Call) -> web.Response:
    """`tags/members/batchuntagging`: removing a tag a user lacks is not an error."""
    target = _tagging_target(call)
    if isinstance(target, web.Response):
        return target
    tag_id, followers = target
    for follower in followers:
        if tag_id in follower.tag_ids:
            follower.tag_ids.remove(tag_id)
    return replies.ok()


async def tag_ids_of(call: Call) -> web.Response:
    """`tags/getidlist`: the tag ids on one user."""
    follower = _follower(call, call.body.get("openid"))
    if follower is None:
        return replies.error(limits.INVALID_OPENID)
    return replies.bare(tagid_list=list(follower.tag_ids))


def oa_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The official-account business routes bound to `state`."""
    return [
        web.post("/cgi-bin/message/custom/send", protected(state, "oa", send_custom)),
        web.get("/cgi-bin/user/info", protected(state, "oa", user_info)),
        web.post("/cgi-bin/tags/create", protected(state, "oa", create_tag)),
        web.get("/cgi-bin/tags/get", protected(state, "oa", list_tags)),
        web.post("/cgi-bin/tags/members/batchtagging", protected(state, "oa", batch_tag)),
        web.post("/cgi-bin/tags/members/batchuntagging", protected(state, "oa", batch_untag)),
        web.post("/cgi-bin/tags/getidlist", protected(state, "oa", tag_ids_of)),
    ]
