"""Async client for one WeCom app (qyapi.weixin.qq.com): messages and customer tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp

from storage.cache import Cache
from wxapi import cache_keys, limits
from wxapi.credentials import WeComCredentials
from wxapi.models import ContactWayMade
from wxapi.official_account import token_fields
from wxapi.tokens import SharedToken
from wxapi.transport import JsonDict, call_api

_GETTOKEN = "/cgi-bin/gettoken"
_CONTACT = "/cgi-bin/externalcontact"


class WeComClient:
    """App messages, template cards and customer contacts of one WeCom app."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        cache: Cache,
        credentials: WeComCredentials,
        *,
        api_base: str = limits.WECOM_API_BASE,
        key_prefix: str = cache_keys.KEY_PREFIX,
        timeout_s: float = limits.CALL_TIMEOUT_S,
    ) -> None:
        self._session = session
        self._credentials = credentials
        self._base = api_base.rstrip("/")
        self._timeout_s = timeout_s
        key = cache_keys.wecom_token_key(key_prefix, credentials.corpid, credentials.agentid)
        self.token = SharedToken(cache, key, self._fetch_token)

    async def _fetch_token(self, force_refresh: bool) -> tuple[str, float]:
        # gettoken has no force mode: within validity it returns the same
        # token, and a token WeCom revoked early is replaced by a new one.
        del force_refresh
        data = await call_api(
            self._session,
            "GET",
            self._base + _GETTOKEN,
            endpoint=_GETTOKEN,
            params={"corpid": self._credentials.corpid, "corpsecret": self._credentials.secret},
            timeout_s=self._timeout_s,
        )
        return token_fields(data, _GETTOKEN)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        payload: JsonDict | None = None,
        timeout_s: float | None = None,
    ) -> JsonDict:
        async def attempt(token: str) -> JsonDict:
            return await call_api(
                self._session,
                method,
                self._base + path,
                endpoint=path,
                params={**(params or {}), "access_token": token},
                payload=payload,
                timeout_s=timeout_s or self._timeout_s,
            )

        return await self.token.call(attempt)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        payload: JsonDict | None = None,
    ) -> JsonDict:
        """One call of this app with its token (refreshed once when rejected); for the
        typed clients of one API family (`wxapi.transfers`)."""
        return await self._call(method, path, params=params, payload=payload)

    async def send_message(self, payload: JsonDict) -> JsonDict:
        """`message/send`; fills in this app's agentid. The answer has msgid, invaliduser."""
        body = {"agentid": self._credentials.agentid, **payload}
        return await self._call("POST", "/cgi-bin/message/send", payload=body)

    async def send_text(self, userids: Sequence[str], content: str) -> JsonDict:
        """A text message to members of the corp."""
        payload = {"touser": "|".join(userids), "msgtype": "text", "text": {"content": content}}
        return await self.send_message(payload)

    async def update_template_card(self, payload: JsonDict) -> JsonDict:
        """`message/update_template_card` (response_code works once, within 72 h)."""
        body = {"agentid": self._credentials.agentid, **payload}
        return await self._call("POST", "/cgi-bin/message/update_template_card", payload=body)

    async def mark_tag(
        self,
        userid: str,
        external_userid: str,
        add_tag: Sequence[str] = (),
        remove_tag: Sequence[str] = (),
    ) -> None:
        """Add and remove corp tags on the relation between a member and a customer."""
        payload = {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": list(add_tag),
            "remove_tag": list(remove_tag),
        }
        await self._call("POST", f"{_CONTACT}/mark_tag", payload=payload)

    async def add_msg_template(self, payload: JsonDict) -> JsonDict:
        """`externalcontact/add_msg_template`: a message the sender confirms; has fail_list."""
        return await self._call("POST", f"{_CONTACT}/add_msg_template", payload=payload)

    async def external_contact(self, external_userid: str) -> JsonDict:
        """`externalcontact/get`: `external_contact` and `follow_user` of one customer."""
        params = {"external_userid": external_userid}
        return await self._call("GET", f"{_CONTACT}/get", params=params)

    async def corp_tags(
        self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()
    ) -> list[JsonDict]:
        """The corp's tag groups, optionally filtered (tag ids win over group ids)."""
        payload = {"tag_id": list(tag_ids), "group_id": list(group_ids)}
        data = await self._call("POST", f"{_CONTACT}/get_corp_tag_list", payload=payload)
        groups: list[JsonDict] = data.get("tag_group", [])
        return groups

    async def add_corp_tag(
        self,
        names: Sequence[str],
        *,
        group_id: str | None = None,
        group_name: str | None = None,
    ) -> JsonDict:
        """Create tags in an existing group (`group_id`) or a new one; the tag group."""
        if (group_id is None) == (group_name is None):
            raise ValueError("pass exactly one of group_id and group_name")
        group = {"group_id": group_id} if group_id is not None else {"group_name": group_name}
        payload = {**group, "tag": [{"name": name} for name in names]}
        data = await self._call("POST", f"{_CONTACT}/add_corp_tag", payload=payload)
        tag_group: JsonDict = data["tag_group"]
        return tag_group

    async def add_contact_way(
        self,
        users: Sequence[str],
        state: str,
        *,
        skip_verify: bool = True,
        remark: str = "",
    ) -> ContactWayMade:
        """A multi-person "contact me" QR code (`type` 2, `scene` 2) carrying `state`
        (at most 30 characters) on every add it brings."""
        payload = {
            "type": 2, "scene": 2, "user": list(users), "state": state,
            "skip_verify": skip_verify, "remark": remark,
        }  # fmt: skip
        data = await self._call("POST", f"{_CONTACT}/add_contact_way", payload=payload)
        return ContactWayMade(str(data["config_id"]), str(data.get("qr_code", "")))

    async def update_contact_way(
        self, config_id: str, *, users: Sequence[str] | None = None,
        skip_verify: bool | None = None,
    ) -> None:  # fmt: skip
        """Replace the way's members (and auto-accept); what is not given stays."""
        payload: JsonDict = {"config_id": config_id}
        if users is not None:
            payload["user"] = list(users)
        if skip_verify is not None:
            payload["skip_verify"] = skip_verify
        await self._call("POST", f"{_CONTACT}/update_contact_way", payload=payload)

    async def get_contact_way(self, config_id: str) -> JsonDict:
        """`get_contact_way`: the way as WeCom keeps it (`contact_way`)."""
        data = await self._call(
            "POST", f"{_CONTACT}/get_contact_way", payload={"config_id": config_id}
        )
        way: JsonDict = data["contact_way"]
        return way

    async def del_contact_way(self, config_id: str) -> None:
        await self._call("POST", f"{_CONTACT}/del_contact_way", payload={"config_id": config_id})

    async def send_welcome_msg(
        self, welcome_code: str, body: JsonDict, *, timeout_s: float | None = None
    ) -> None:
        """`send_welcome_msg`: the code works once, within 20 s of the add (41051 after a
        delivery, 41096 while another app is sending). `timeout_s`: what is left of them."""
        payload = {"welcome_code": welcome_code, **body}
        await self._call(
            "POST", f"{_CONTACT}/send_welcome_msg", payload=payload, timeout_s=timeout_s
        )
