"""WeCom customer transfer (在职继承 / 离职继承) and customer listing, typed.

The calls answer per customer: a call-level errcode raises `ApiError` as every
call does, and the per-customer codes come back in `CustomerMoved.errcode` for the
caller to record (0 only means the 24 h started: developer.work.weixin.qq.com/
document/path/96325). Listing calls are paged by cursor; these methods return one
page, and `customers_of` pages `batch/get_by_user` to the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from wxapi.transport import JsonDict
from wxapi.wecom import WeComClient

_CONTACT = "/cgi-bin/externalcontact"
# At most 100 customers a transfer call and 200 characters of message (document/path/96325).
TRANSFER_CUSTOMERS_MAX: Final = 100
TRANSFER_MSG_MAX: Final = 200
# `batch/get_by_user`: at most 100 userids a call, pages of at most 100 (document/path/92994).
BY_USER_IDS_MAX: Final = 100
BY_USER_PAGE_MAX: Final = 100
UNASSIGNED_PAGE_MAX: Final = 1000


@dataclass(frozen=True)
class CustomerMoved:
    """One customer's answer to a transfer call: 0 means the 24 h takeover started."""

    external_userid: str
    errcode: int


@dataclass(frozen=True)
class TransferStatus:
    """One customer of `transfer_result`: 1 done, 2 waiting, 3 refused, 4 receiver full,
    5 no record; `takeover_time` is set once done."""

    external_userid: str
    status: int
    takeover_time: int


@dataclass(frozen=True)
class Unassigned:
    """A customer of a member who left, not yet handed over (`get_unassigned_list`)."""

    handover_userid: str
    external_userid: str
    dimission_time: int


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paged answer; `next_cursor` "" at the end."""

    items: tuple[T, ...]
    next_cursor: str


class TransferApi:
    """The transfer and listing calls of one WeCom app (its token and error handling)."""

    def __init__(self, client: WeComClient) -> None:
        self._client = client

    async def transfer(
        self,
        handover: str,
        takeover: str,
        external_userids: Sequence[str],
        *,
        employed: bool,
        message: str | None = None,
    ) -> list[CustomerMoved]:
        """`transfer_customer` (employed) or `resigned/transfer_customer` for ≤ 100 customers."""
        if not 0 < len(external_userids) <= TRANSFER_CUSTOMERS_MAX:
            raise ValueError(f"1 to {TRANSFER_CUSTOMERS_MAX} customers a call")
        payload: JsonDict = {
            "handover_userid": handover,
            "takeover_userid": takeover,
            "external_userid": list(external_userids),
        }
        if message is not None and employed:
            payload["transfer_success_msg"] = message[:TRANSFER_MSG_MAX]
        path = (
            f"{_CONTACT}/transfer_customer"
            if employed
            else f"{_CONTACT}/resigned/transfer_customer"
        )
        data = await self._client.call("POST", path, payload=payload)
        return [
            CustomerMoved(str(c["external_userid"]), int(c.get("errcode", 0)))
            for c in data.get("customer", [])
        ]

    async def result(
        self, handover: str, takeover: str, *, employed: bool, cursor: str = ""
    ) -> Page[TransferStatus]:
        """One page of `transfer_result` (or its resigned twin) for one pair of members."""
        path = f"{_CONTACT}/transfer_result" if employed else f"{_CONTACT}/resigned/transfer_result"
        payload = {"handover_userid": handover, "takeover_userid": takeover, "cursor": cursor}
        data = await self._client.call("POST", path, payload=payload)
        items = tuple(
            TransferStatus(
                str(c["external_userid"]), int(c["status"]), int(c.get("takeover_time") or 0)
            )
            for c in data.get("customer", [])
        )
        return Page(items, str(data.get("next_cursor") or ""))

    async def unassigned(
        self, *, cursor: str = "", page_size: int = UNASSIGNED_PAGE_MAX
    ) -> Page[Unassigned]:
        """One page of `get_unassigned_list`: customers of members who left."""
        payload = {"cursor": cursor, "page_size": page_size}
        data = await self._client.call("POST", f"{_CONTACT}/get_unassigned_list", payload=payload)
        items = tuple(
            Unassigned(
                str(i["handover_userid"]), str(i["external_userid"]), int(i["dimission_time"])
            )
            for i in data.get("info", [])
        )
        last = bool(data.get("is_last", True))
        return Page(items, "" if last else str(data.get("next_cursor") or ""))

    async def customer_ids(self, userid: str) -> list[str]:
        """`externalcontact/list`: the ids of one member's customers (84061 raises: none)."""
        data = await self._client.call("GET", f"{_CONTACT}/list", params={"userid": userid})
        return [str(e) for e in data.get("external_userid", [])]

    async def by_user_page(
        self, userids: Sequence[str], *, cursor: str = "", limit: int = BY_USER_PAGE_MAX
    ) -> Page[tuple[str, str]]:
        """One page of `batch/get_by_user`: (member userid, customer external userid)."""
        payload = {"userid_list": list(userids), "cursor": cursor, "limit": limit}
        data = await self._client.call("POST", f"{_CONTACT}/batch/get_by_user", payload=payload)
        items = tuple(
            (str(row["follow_info"]["userid"]), str(row["external_contact"]["external_userid"]))
            for row in data.get("external_contact_list", [])
        )
        return Page(items, str(data.get("next_cursor") or ""))

    async def customers_of(self, userids: Sequence[str]) -> dict[str, set[str]]:
        """Every customer of each member, paging `batch/get_by_user` 100 members at a time."""
        found: dict[str, set[str]] = {userid: set() for userid in userids}
        members = list(userids)
        for start in range(0, len(members), BY_USER_IDS_MAX):
            chunk = members[start : start + BY_USER_IDS_MAX]
            cursor = ""
            while True:
                page = await self.by_user_page(chunk, cursor=cursor)
                for userid, external in page.items:
                    found.setdefault(userid, set()).add(external)
                cursor = page.next_cursor
                if not cursor:
                    break
        return found
