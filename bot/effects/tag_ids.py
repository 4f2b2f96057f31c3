"""Tag name → id, for official-account tags and WeCom corp tags, cached in the shared cache.

Every bot process shares the cache, so a tag is looked up once for all of
them; a tag missing at WeChat is created, and a creation that loses a race
with another process (duplicate name) just reads the winner's id.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.effects.tagging_limits import CORP_TAG_ID_KEY, OA_TAG_ID_KEY, TAG_ID_TTL_S
from storage.cache import Cache
from wxapi.errors import ApiError
from wxapi.official_account import OfficialAccountClient
from wxapi.wecom import WeComClient

OA_DUPLICATE_TAG = 45157
WECOM_DUPLICATE_TAG = 40071


class OaTagIds:
    """The ids of one official account's tags."""

    def __init__(self, client: OfficialAccountClient, cache: Cache, appid: str) -> None:
        self._client = client
        self._cache = cache
        self._prefix = f"{OA_TAG_ID_KEY}:{appid}:"

    async def id_of(self, name: str, *, create: bool) -> int | None:
        """The tag's id; with `create`, made at WeChat when missing (else None)."""
        cached = await self._cache.get(self._prefix + name)
        if cached is not None:
            return int(cached)
        found = await self._reload(name)
        if found is not None or not create:
            return found
        try:
            tag_id = await self._client.create_tag(name)
        except ApiError as exc:
            if exc.errcode != OA_DUPLICATE_TAG:
                raise
            found = await self._reload(name)
            if found is None:
                raise
            return found
        await self._cache.set(self._prefix + name, str(tag_id), TAG_ID_TTL_S)
        return tag_id

    async def forget(self, name: str) -> None:
        await self._cache.delete(self._prefix + name)

    async def _reload(self, name: str) -> int | None:
        found = None
        for tag in await self._client.list_tags():
            await self._cache.set(self._prefix + tag.name, str(tag.tag_id), TAG_ID_TTL_S)
            if tag.name == name:
                found = tag.tag_id
        return found


class CorpTagIds:
    """The ids of the corp tags wxbot mirrors to, all in one tag group."""

    def __init__(self, client: WeComClient, cache: Cache, corpid: str, group: str) -> None:
        self._client = client
        self._cache = cache
        self._group = group
        self._prefix = f"{CORP_TAG_ID_KEY}:{corpid}:{group}:"

    async def ids_of(self, names: Sequence[str], *, create: bool) -> list[str]:
        """The ids of `names`; with `create`, the missing ones are added to the group."""
        ids: dict[str, str] = {}
        for name in names:
            cached = await self._cache.get(self._prefix + name)
            if cached is not None:
                ids[name] = cached
        missing = [name for name in names if name not in ids]
        if missing:
            group_id, known = await self._reload()
            ids.update({name: known[name] for name in missing if name in known})
            missing = [name for name in missing if name not in known]
            if missing and create:
                await self._create(missing, group_id)
                _, known = await self._reload()
                ids.update({name: known[name] for name in missing if name in known})
        return [ids[name] for name in names if name in ids]

    async def forget(self, names: Sequence[str]) -> None:
        for name in names:
            await self._cache.delete(self._prefix + name)

    async def _create(self, names: list[str], group_id: str | None) -> None:
        try:
            if group_id is None:
                await self._client.add_corp_tag(names, group_name=self._group)
            else:
                await self._client.add_corp_tag(names, group_id=group_id)
        except ApiError as exc:
            # Another process created them first; the reload that follows finds them.
            if exc.errcode != WECOM_DUPLICATE_TAG:
                raise

    async def _reload(self) -> tuple[str | None, dict[str, str]]:
        group_id: str | None = None
        known: dict[str, str] = {}
        for group in await self._client.corp_tags():
            if group.get("group_name") != self._group:
                continue
            group_id = str(group["group_id"])
            for tag in group.get("tag", []):
                known[str(tag["name"])] = str(tag["id"])
                await self._cache.set(self._prefix + str(tag["name"]), str(tag["id"]), TAG_ID_TTL_S)
        return group_id, known
