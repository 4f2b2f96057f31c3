"""Async client for the official-account API (api.weixin.qq.com)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp

from storage.cache import Cache
from wxapi import cache_keys, limits
from wxapi.credentials import OfficialAccountCredentials
from wxapi.errors import TransportError
from wxapi.models import FollowerInfo, QrTicket, Tag
from wxapi.tokens import SharedToken
from wxapi.transport import JsonDict, call_api, fetch_image

_STABLE_ENDPOINT = "/cgi-bin/stable_token"


class OfficialAccountClient:
    """Custom messages, follower info and tags of one official account.

    The token comes from `stable_token`, not `token`: a `token` fetch starts a
    5-minute countdown on the previous token, so two processes fetching in turn
    would keep invalidating each other; `stable_token` returns the same token
    while it is valid.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        cache: Cache,
        credentials: OfficialAccountCredentials,
        *,
        api_base: str = limits.OA_API_BASE,
        key_prefix: str = cache_keys.KEY_PREFIX,
        timeout_s: float = limits.CALL_TIMEOUT_S,
    ) -> None:
        self._session = session
        self._credentials = credentials
        self._base = api_base.rstrip("/")
        self._timeout_s = timeout_s
        self.token = SharedToken(
            cache, cache_keys.oa_token_key(key_prefix, credentials.appid), self._fetch_token
        )

    async def _fetch_token(self, force_refresh: bool) -> tuple[str, float]:
        data = await call_api(
            self._session,
            "POST",
            self._base + _STABLE_ENDPOINT,
            endpoint=_STABLE_ENDPOINT,
            payload={
                "grant_type": "client_credential",
                "appid": self._credentials.appid,
                "secret": self._credentials.secret,
                "force_refresh": force_refresh,
            },
            timeout_s=self._timeout_s,
        )
        return token_fields(data, _STABLE_ENDPOINT)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        payload: JsonDict | None = None,
    ) -> JsonDict:
        async def attempt(token: str) -> JsonDict:
            query = {**(params or {}), "access_token": token}
            return await call_api(
                self._session,
                method,
                self._base + path,
                endpoint=path,
                params=query,
                payload=payload,
                timeout_s=self._timeout_s,
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
        """Any official-account API by path, the token handled (for `wxapi.menus` and kin)."""
        return await self._call(method, path, params=params, payload=payload)

    async def send_custom_message(self, payload: JsonDict) -> JsonDict:
        """`message/custom/send` with a ready payload (touser, msgtype, body)."""
        return await self._call("POST", "/cgi-bin/message/custom/send", payload=payload)

    async def send_template_message(self, payload: JsonDict) -> JsonDict:
        """`message/template/send` (touser, template_id, data, client_msg_id for idempotency)."""
        return await self._call("POST", "/cgi-bin/message/template/send", payload=payload)

    async def send_subscribe_message(self, payload: JsonDict) -> JsonDict:
        """`message/subscribe/bizsend`: a subscribe message the user accepted."""
        return await self._call("POST", "/cgi-bin/message/subscribe/bizsend", payload=payload)

    async def send_custom_text(self, openid: str, text: str) -> JsonDict:
        """Send a text customer-service message."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return await self.send_custom_message(payload)

    async def user_info(self, openid: str, lang: str = "zh_CN") -> FollowerInfo:
        """`user/info` of one follower."""
        data = await self._call(
            "GET", "/cgi-bin/user/info", params={"openid": openid, "lang": lang}
        )
        return FollowerInfo.from_json(data)

    async def create_tag(self, name: str) -> int:
        """Create a tag; its new id."""
        data = await self._call("POST", "/cgi-bin/tags/create", payload={"tag": {"name": name}})
        return int(data["tag"]["id"])

    async def list_tags(self) -> list[Tag]:
        """All tags of the account, the system star tag (id 2) included."""
        data = await self._call("GET", "/cgi-bin/tags/get")
        return [Tag(int(t["id"]), str(t["name"]), int(t["count"])) for t in data["tags"]]

    async def batch_tag(self, tag_id: int, openids: Sequence[str]) -> None:
        """Put `tag_id` on up to `BATCH_TAGGING_MAX` followers (see `wxapi.batching`)."""
        await self._tagging("/cgi-bin/tags/members/batchtagging", tag_id, openids)

    async def batch_untag(self, tag_id: int, openids: Sequence[str]) -> None:
        """Remove `tag_id` from up to `BATCH_TAGGING_MAX` followers."""
        await self._tagging("/cgi-bin/tags/members/batchuntagging", tag_id, openids)

    async def _tagging(self, path: str, tag_id: int, openids: Sequence[str]) -> None:
        if len(openids) > limits.BATCH_TAGGING_MAX:
            raise ValueError(
                f"{len(openids)} openids in one batch; at most {limits.BATCH_TAGGING_MAX}"
            )
        if not openids:
            return
        await self._call("POST", path, payload={"openid_list": list(openids), "tagid": tag_id})

    async def create_qrcode(self, scene: str, *, expire_seconds: int | None = None) -> QrTicket:
        """`qrcode/create` with a string scene: permanent (`QR_LIMIT_STR_SCENE`, counts
        against the account's 100 000) or, with `expire_seconds`, temporary (at most
        2 592 000 s). The scene comes back as `EventKey` on a follow or scan."""
        payload: JsonDict = {"action_info": {"scene": {"scene_str": scene}}}
        if expire_seconds is None:
            payload["action_name"] = "QR_LIMIT_STR_SCENE"
        else:
            payload |= {"action_name": "QR_STR_SCENE", "expire_seconds": expire_seconds}
        data = await self._call("POST", "/cgi-bin/qrcode/create", payload=payload)
        seconds = data.get("expire_seconds")
        return QrTicket(str(data["ticket"]), str(data["url"]), int(seconds) if seconds else None)

    async def qrcode_image(self, ticket: str) -> bytes:
        """The code's image from `showqrcode?ticket=` (on mp.weixin.qq.com; no token)."""
        base = limits.SHOWQRCODE_BASE if self._base == limits.OA_API_BASE else self._base
        return await fetch_image(self._session, f"{base}/cgi-bin/showqrcode",
                                 {"ticket": ticket}, self._timeout_s)  # fmt: skip

    async def tag_ids_of(self, openid: str) -> list[int]:
        """The tag ids on one follower."""
        data = await self._call("POST", "/cgi-bin/tags/getidlist", payload={"openid": openid})
        return [int(t) for t in data.get("tagid_list", [])]


def token_fields(data: JsonDict, endpoint: str) -> tuple[str, float]:
    """(access_token, expires_in) from a token answer, or a TransportError."""
    token, expires_in = data.get("access_token"), data.get("expires_in")
    if not isinstance(token, str) or not isinstance(expires_in, int | float):
        raise TransportError(endpoint, "token answer without access_token/expires_in")
    return token, float(expires_in)
