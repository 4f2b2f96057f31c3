"""WeCom customer transfer and customer listing routes (在职继承, 离职继承, 客户列表).

`transfer_customer` (member employed) and `resigned/transfer_customer` (member left)
answer one errcode per customer; `transfer_result` and its resigned twin page the
customers of one (handover, takeover) pair with their status; `get_unassigned_list`
pages the customers of members who left; `list` and `batch/get_by_user` list a
member's customers (developer.work.weixin.qq.com/document/path/96325, 96331, 94088,
92124, 92113, 92994).
"""

from __future__ import annotations

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, CallHandler, protected
from fakewechat.records import JsonDict
from fakewechat.state import FakeWeChat
from fakewechat.transfer_book import TransferBook


def _members(call: Call) -> set[str]:
    corp = call.state.corps.get(call.token.owner)
    return set() if corp is None else corp.members


def _cursor(value: object) -> int | None:
    """A cursor the fake handed out (an offset as a string); "" or absent is the start."""
    if value in (None, ""):
        return 0
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _message_ok(message: object) -> bool:
    return isinstance(message, str) and len(message) <= limits.TRANSFER_MSG_MAX


def _check_request(call: Call, *, resigned: bool) -> web.Response | list[str]:
    """The call-level errors of both transfer calls, first match wins, else the customers."""
    body = call.body
    handover, takeover = body.get("handover_userid"), body.get("takeover_userid")
    members, book = _members(call), call.state.transfer_book
    externals, message = body.get("external_userid"), body.get("transfer_success_msg")
    asked: list[str] = (
        [str(e) for e in externals]
        if isinstance(externals, list) and all(isinstance(e, str) for e in externals)
        else []
    )
    well_formed = isinstance(externals, list) and len(asked) == len(externals)
    checks: list[tuple[bool, int, str]] = [
        (handover not in members, limits.WECOM_INVALID_USERID, "invalid handover_userid"),
        (
            takeover not in members or takeover in book.resigned,
            limits.WECOM_INVALID_USERID,
            "invalid takeover_userid",
        ),
        (resigned and handover not in book.resigned, limits.MEMBER_NOT_RESIGNED, ""),
        (
            not resigned and handover in book.resigned,
            limits.WECOM_INVALID_USERID,
            "handover_userid has resigned",
        ),
        (handover == takeover, limits.SAME_HANDOVER_AND_TAKEOVER, ""),
        (externals in (None, []), limits.MISSING_EXTERNAL_USERID, ""),
        (not well_formed, limits.DATA_FORMAT_ERROR, "external_userid"),
        (
            len(asked) > limits.TRANSFER_CUSTOMERS_MAX,
            limits.INVALID_PARAMETER,
            "external_userid: at most 100",
        ),
        (
            # The resigned call has no message: it is ignored there.
            not resigned and message is not None and not _message_ok(message),
            limits.INVALID_PARAMETER,
            "transfer_success_msg",
        ),
    ]
    for failed, errcode, detail in checks:
        if failed:
            return replies.error(errcode, detail)
    return asked


def _one_customer(state: FakeWeChat, call: Call, external: str, *, resigned: bool) -> int:
    """The errcode for one customer of the call; a 0 starts its 24 h."""
    book = state.transfer_book
    handover, takeover = str(call.body["handover_userid"]), str(call.body["takeover_userid"])
    contact = state.external_contacts.get(external)
    if contact is None:
        return limits.WECOM_INVALID_EXTERNAL_USERID
    if handover not in contact.followers:
        return limits.NOT_THE_FOLLOWER
    if book.waiting(external) is not None:
        return limits.TRANSFER_IN_PROGRESS
    if not resigned and book.employed_count(external) >= limits.TRANSFERS_PER_CUSTOMER_MAX:
        return limits.TRANSFER_TOO_OFTEN
    book.start(handover, takeover, external, resigned=resigned)
    return 0


def _transfer(*, resigned: bool) -> CallHandler:
    async def transfer_customer(call: Call) -> web.Response:
        checked = _check_request(call, resigned=resigned)
        if isinstance(checked, web.Response):
            return checked
        state = call.state
        state.transfer_book.settle(state.external_contacts)
        answers = [
            {"external_userid": e, "errcode": _one_customer(state, call, e, resigned=resigned)}
            for e in checked
        ]
        return replies.ok(customer=answers)

    return transfer_customer


def _result(*, resigned: bool) -> CallHandler:
    async def transfer_result(call: Call) -> web.Response:
        handover, takeover = call.body.get("handover_userid"), call.body.get("takeover_userid")
        members = _members(call)
        if handover not in members or takeover not in members:
            return replies.error(limits.WECOM_INVALID_USERID)
        start = _cursor(call.body.get("cursor"))
        if start is None:
            return replies.error(limits.INVALID_PARAMETER, "invalid cursor")
        book = call.state.transfer_book
        book.settle(call.state.external_contacts)
        mine = [
            t
            for t in book.transfers
            if (t.handover, t.takeover, t.resigned) == (handover, takeover, resigned)
        ]
        page = mine[start : start + limits.TRANSFER_RESULT_PAGE]
        end = start + len(page)
        customers = [
            {"external_userid": t.external_userid, "status": t.status,
             "takeover_time": t.takeover_time}
            for t in page
        ]  # fmt: skip
        return replies.ok(customer=customers, next_cursor=str(end) if end < len(mine) else "")

    return transfer_result


async def unassigned_list(call: Call) -> web.Response:
    """`get_unassigned_list`: customers of members who left, not yet handed to anyone."""
    start, size = _cursor(call.body.get("cursor")), call.body.get("page_size", 1000)
    if start is None or not isinstance(size, int) or not 0 < size <= limits.UNASSIGNED_PAGE_MAX:
        return replies.error(limits.INVALID_PARAMETER)
    book: TransferBook = call.state.transfer_book
    book.settle(call.state.external_contacts)
    rows: list[JsonDict] = [
        {"handover_userid": userid, "external_userid": contact.external_userid,
         "dimission_time": book.resigned[userid]}
        for contact in call.state.external_contacts.values()
        for userid in contact.followers
        if userid in book.resigned and book.waiting(contact.external_userid) is None
    ]  # fmt: skip
    page = rows[start : start + size]
    end = start + len(page)
    last = end >= len(rows)
    return replies.ok(info=page, is_last=last, next_cursor="" if last else str(end))


async def customer_list(call: Call) -> web.Response:
    """`externalcontact/list?userid=`: the ids of one member's customers."""
    userid = call.query.get("userid", "")
    if userid not in _members(call):
        return replies.error(limits.WECOM_INVALID_USERID)
    call.state.transfer_book.settle(call.state.external_contacts)
    contacts = call.state.external_contacts.values()
    ids = [c.external_userid for c in contacts if userid in c.followers]
    if not ids:
        # The member has no customer (or no customer-contact licence): WeCom says 84061.
        return replies.error(limits.WECOM_NO_FOLLOW_RELATION)
    return replies.ok(external_userid=ids)


async def batch_by_user(call: Call) -> web.Response:
    """`batch/get_by_user`: customers with their follow info for up to 100 members, paged."""
    userids = call.body.get("userid_list")
    if not isinstance(userids, list) or not userids:
        return replies.error(limits.WECOM_INVALID_USERID_LIST)
    if len(userids) > limits.BATCH_BY_USER_IDS_MAX:
        return replies.error(limits.WECOM_USERID_LIST_LENGTH)
    if any(u not in _members(call) for u in userids):
        return replies.error(limits.WECOM_INVALID_USERID)
    start, size = _cursor(call.body.get("cursor")), call.body.get("limit", 50)
    if start is None or not isinstance(size, int) or not 0 < size <= limits.BATCH_BY_USER_PAGE_MAX:
        return replies.error(limits.INVALID_PARAMETER)
    call.state.transfer_book.settle(call.state.external_contacts)
    rows: list[JsonDict] = [
        {"external_contact": {"external_userid": c.external_userid, "name": c.name, "type": 1},
         "follow_info": {"userid": userid, "remark": "", "tag_id": list(tags)}}
        for userid in userids
        for c in call.state.external_contacts.values()
        if (tags := c.followers.get(userid)) is not None
    ]  # fmt: skip
    page = rows[start : start + size]
    end = start + len(page)
    return replies.ok(external_contact_list=page, next_cursor=str(end) if end < len(rows) else "")


def transfer_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The customer transfer and listing routes bound to `state`."""
    base = "/cgi-bin/externalcontact"
    return [
        web.post(f"{base}/transfer_customer", protected(state, "wecom", _transfer(resigned=False))),
        web.post(
            f"{base}/resigned/transfer_customer",
            protected(state, "wecom", _transfer(resigned=True)),
        ),
        web.post(f"{base}/transfer_result", protected(state, "wecom", _result(resigned=False))),
        web.post(
            f"{base}/resigned/transfer_result", protected(state, "wecom", _result(resigned=True))
        ),
        web.post(f"{base}/get_unassigned_list", protected(state, "wecom", unassigned_list)),
        web.get(f"{base}/list", protected(state, "wecom", customer_list)),
        web.post(f"{base}/batch/get_by_user", protected(state, "wecom", batch_by_user)),
    ]
