"""The outbox job kinds of tagging: tag mirroring, the unionid look-up, profile refresh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.config.settings import Settings
from bot.effects.api_clients import configured, wecom_clients
from bot.effects.jobs import JobHandler
from bot.effects.tag_ids import CorpTagIds, OaTagIds
from bot.effects.tag_sync import OfficialAccountTagSync, WeComTagSync
from storage.cache import Cache
from storage.database import SessionFactory
from storage.models import Identity
from storage.profiles import link_unionid
from storage.wecom_contacts import PROFILE_REFRESH, ProfileRefresh
from tagging.step import Tagging
from tagging.sync_jobs import (
    FETCH_UNIONID,
    OA_TAG_SYNC,
    WECOM_TAG_SYNC,
    CorpTagChange,
    OaTagChange,
    UnionidLookup,
)
from wxapi.official_account import OfficialAccountClient


def tagging_jobs(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    *,
    tagging: Tagging,
    oa_clients: Mapping[str, OfficialAccountClient],
) -> list[JobHandler[Any]]:
    """The tagging job kinds; an account or app no longer configured fails the job for good."""
    oa = {
        account.name: OfficialAccountTagSync(
            account.name, client, OaTagIds(client, cache, account.app_id), sessions
        )
        for account in settings.wechat
        if (client := oa_clients.get(account.name)) is not None
    }
    group = tagging.rules.sync.wecom_group
    corp_of = {app.name: app.corp_id for app in settings.wecom}
    wecom = {
        name: WeComTagSync(name, client, CorpTagIds(client, cache, corp_of[name], group), sessions)
        for name, client in wecom_clients(settings, http, cache).items()
    }

    async def oa_sync(target: str, change: OaTagChange) -> None:
        sync = configured(oa, target, OA_TAG_SYNC.name)
        await sync.run(change.openids, change.add, change.remove)

    async def wecom_sync(target: str, change: CorpTagChange) -> None:
        await configured(wecom, target, WECOM_TAG_SYNC.name).run(
            change.external_userid, change.add, change.remove
        )

    async def fetch_unionid(target: str, lookup: UnionidLookup) -> None:
        client = configured(oa_clients, target, FETCH_UNIONID.name)
        openid = lookup.openid
        info = await client.user_info(openid)
        if not info.unionid:
            return  # the account is not bound to an open platform: nothing to link by
        async with sessions.begin() as session:
            profile_id = await session.scalar(
                select(Identity.profile_id).where(
                    Identity.kind == "openid", Identity.app == target, Identity.value == openid
                )
            )
            if profile_id is None:
                return
            merge = await link_unionid(
                session, profile_id, info.unionid, at=tagging.now(), source=f"user/info:{target}"
            )
            if merge is not None:
                await tagging.refresh(session, merge.survivor, full_sync=True)

    async def refresh(target: str, job: ProfileRefresh) -> None:
        del target
        async with sessions.begin() as session:
            await tagging.refresh(session, job.profile_id, full_sync=True)

    return [
        JobHandler(OA_TAG_SYNC, oa_sync),
        JobHandler(WECOM_TAG_SYNC, wecom_sync),
        JobHandler(FETCH_UNIONID, fetch_unionid),
        JobHandler(PROFILE_REFRESH, refresh),
    ]
