"""WeCom customer contacts: `externalcontact/get`, `mark_tag` and corp tags.

Corp tags are kept for the whole fake rather than per corp: tests and the
simulator run one corp, and the real ids are opaque strings anyway.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, protected
from fakewechat.records import CorpTag, JsonDict
from fakewechat.state import FakeWeChat


def _str_list(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


async def mark_tag(call: Call) -> web.Response:
    """`externalcontact/mark_tag`: tags on one staff member's relation to a customer."""
    contact = call.state.external_contacts.get(str(call.body.get("external_userid")))
    if contact is None:
        return replies.error(limits.WECOM_INVALID_EXTERNAL_USERID)
    tags = contact.followers.get(str(call.body.get("userid")))
    if tags is None:
        return replies.error(limits.WECOM_NO_FOLLOW_RELATION)
    add, remove = _str_list(call.body.get("add_tag")), _str_list(call.body.get("remove_tag"))
    if add is None or remove is None:
        return replies.error(limits.DATA_FORMAT_ERROR)
    if any(tag_id not in call.state.corp_tags for tag_id in add + remove):
        return replies.error(limits.WECOM_INVALID_TAG_ID)
    tags.extend(tag_id for tag_id in add if tag_id not in tags)
    tags[:] = [tag_id for tag_id in tags if tag_id not in remove]
    return replies.ok()


async def external_contact(call: Call) -> web.Response:
    """`externalcontact/get`: the customer and each staff member who added them."""
    contact = call.state.external_contacts.get(call.query.get("external_userid", ""))
    if contact is None:
        return replies.error(limits.WECOM_INVALID_EXTERNAL_USERID)
    profile: JsonDict = {
        "external_userid": contact.external_userid,
        "name": contact.name,
        "type": 1,
        "gender": 0,
        "avatar": "",
    }
    if contact.unionid is not None:
        profile["unionid"] = contact.unionid
    follow_user = [
        {
            "userid": userid,
            "remark": "",
            "description": "",
            "createtime": 0,
            "add_way": 1,
            "tags": [_tag_ref(call.state.corp_tags[t]) for t in tag_ids],
        }
        for userid, tag_ids in contact.followers.items()
    ]
    return replies.ok(external_contact=profile, follow_user=follow_user, next_cursor="")


def _tag_ref(tag: CorpTag) -> JsonDict:
    return {"group_name": tag.group_name, "tag_name": tag.name, "tag_id": tag.tag_id, "type": 1}


def _groups(tags: list[CorpTag]) -> list[JsonDict]:
    groups: dict[str, JsonDict] = {}
    for tag in tags:
        group = groups.setdefault(
            tag.group_id,
            {"group_id": tag.group_id, "group_name": tag.group_name,
             "create_time": tag.created_at, "order": 0, "tag": []},
        )  # fmt: skip
        group["tag"].append(
            {"id": tag.tag_id, "name": tag.name, "create_time": tag.created_at, "order": tag.order}
        )
    return list(groups.values())


async def corp_tag_list(call: Call) -> web.Response:
    """`get_corp_tag_list`: filter by tag ids, else by group ids, else everything."""
    tag_ids, group_ids = _str_list(call.body.get("tag_id")), _str_list(call.body.get("group_id"))
    if tag_ids is None or group_ids is None:
        return replies.error(limits.DATA_FORMAT_ERROR)
    tags = list(call.state.corp_tags.values())
    if tag_ids:
        tags = [t for t in tags if t.tag_id in tag_ids]
    elif group_ids:
        tags = [t for t in tags if t.group_id in group_ids]
    return replies.ok(tag_group=_groups(tags))


async def add_corp_tag(call: Call) -> web.Response:
    """`add_corp_tag`: new tags in an existing group (group_id) or a new one (group_name)."""
    wanted: Any = call.body.get("tag")
    if not isinstance(wanted, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"] for t in wanted
    ):
        return replies.error(limits.DATA_FORMAT_ERROR)
    existing = list(call.state.corp_tags.values())
    group_id = call.body.get("group_id")
    if group_id is not None:
        in_group = [t for t in existing if t.group_id == group_id]
        if not in_group:
            return replies.error(limits.WECOM_INVALID_TAG_ID, "invalid group_id")
        group_name = in_group[0].group_name
    else:
        group_name = str(call.body.get("group_name") or "")
        if not group_name:
            return replies.error(limits.DATA_FORMAT_ERROR, "group_id or group_name required")
        same = [t for t in existing if t.group_name == group_name]
        in_group = same
        group_id = same[0].group_id if same else None
    names = [str(t["name"]) for t in wanted]
    taken = {t.name for t in in_group}
    if len(set(names)) != len(names) or taken.intersection(names):
        return replies.error(limits.WECOM_INVALID_TAG_NAME, "duplicated")
    if len(existing) + len(names) > limits.CORP_TAGS_MAX:
        return replies.error(limits.INVALID_PARAMETER, "corp tag limit reached")
    created = [call.state.add_corp_tag(group_name, name, group_id) for name in names]
    return replies.ok(tag_group=_groups(created)[0])


def contact_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The WeCom customer-contact routes bound to `state`."""
    base = "/cgi-bin/externalcontact"
    return [
        web.post(f"{base}/mark_tag", protected(state, "wecom", mark_tag)),
        web.get(f"{base}/get", protected(state, "wecom", external_contact)),
        web.post(f"{base}/get_corp_tag_list", protected(state, "wecom", corp_tag_list)),
        web.post(f"{base}/add_corp_tag", protected(state, "wecom", add_corp_tag)),
    ]
