"""Outbox executors that mirror wxbot's tags to official-account tags and WeCom corp tags.

Each job is checked against the database when it runs (a tag is only added
to followers whose profile still has it, only removed from those who no
longer do), so retries, restarts and jobs running out of order converge on
the profile as it is now. WeChat's limits (100 tags per account, 20 per
follower) are said in the log and recorded as the job's permanent failure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.effects.tag_ids import CorpTagIds, OaTagIds
from bot.effects.tagging_limits import OA_TAGS_PER_ACCOUNT_MAX, OA_TAGS_PER_USER_MAX
from storage.database import SessionFactory
from storage.models import Identity, ProfileTag
from storage.profiles import canonical_id
from storage.wecom_contacts import EXTERNAL_USERID, relations_of
from wxapi.batching import chunked
from wxapi.errors import ApiError
from wxapi.official_account import OfficialAccountClient
from wxapi.wecom import WeComClient

log = logging.getLogger(__name__)

USER_TAGS_FULL = 45059
TOO_MANY_TAGS = 45056
STALE_OA_TAG = 45159
_BATCHTAGGING = "/cgi-bin/tags/members/batchtagging"


async def _holders(
    session: AsyncSession, account: str, openids: Sequence[str], tag: str
) -> set[str]:
    """The openids (of `openids`) whose profile has `tag` now."""
    rows = await session.scalars(
        select(Identity.value)
        .join(ProfileTag, ProfileTag.profile_id == Identity.profile_id)
        .where(
            Identity.kind == "openid",
            Identity.app == account,
            Identity.value.in_(list(openids)),
            ProfileTag.tag == tag,
        )
    )
    return set(rows)


class OfficialAccountTagSync:
    """`tags.oa_sync` for one account: create missing tags, (un)tag in batches of ≤ 50."""

    def __init__(
        self, account: str, client: OfficialAccountClient, ids: OaTagIds, sessions: SessionFactory
    ) -> None:
        self._account = account
        self._client = client
        self._ids = ids
        self._sessions = sessions

    async def run(self, openids: Sequence[str], add: Sequence[str], remove: Sequence[str]) -> None:
        """Mirror; limits hit on some tags are raised (permanent) after the others are done."""
        problems: list[str] = []
        async with self._sessions() as session:
            wanted = {tag: await _holders(session, self._account, openids, tag) for tag in add}
            unwanted = {
                tag: set(openids) - await _holders(session, self._account, openids, tag)
                for tag in remove
            }
        for tag, holders in wanted.items():
            targets = [openid for openid in openids if openid in holders]
            if targets:
                problems.extend(await self._tag(tag, targets))
        for tag, leavers in unwanted.items():
            tag_id = await self._ids.id_of(tag, create=False)
            targets = [openid for openid in openids if openid in leavers]
            if tag_id is not None and targets:
                for batch in chunked(targets):
                    await self._client.batch_untag(tag_id, batch)
        if problems:
            raise ApiError(0, "; ".join(problems), _BATCHTAGGING)

    async def _tag(self, tag: str, openids: list[str]) -> list[str]:
        try:
            tag_id = await self._ids.id_of(tag, create=True)
        except ApiError as exc:
            if exc.errcode != TOO_MANY_TAGS:
                raise
            log.error(
                "official account %s has %d tags, WeChat's limit: tag %r is not mirrored",
                self._account, OA_TAGS_PER_ACCOUNT_MAX, tag,
            )  # fmt: skip
            return [f"tag {tag!r} not created: the account has {OA_TAGS_PER_ACCOUNT_MAX} tags"]
        assert tag_id is not None  # noqa: S101 - id_of(create=True) returns an id or raises
        full: list[str] = []
        for batch in chunked(openids):
            full.extend(await self._tag_batch(tag, tag_id, batch))
        if not full:
            return []
        log.warning(
            "official account %s: %d follower(s) already have %d tags, WeChat's limit; "
            "tag %r not added to %s",
            self._account, len(full), OA_TAGS_PER_USER_MAX, tag, ", ".join(full),
        )  # fmt: skip
        return [
            f"tag {tag!r} not added to {len(full)} follower(s) with {OA_TAGS_PER_USER_MAX} tags"
        ]

    async def _tag_batch(self, tag: str, tag_id: int, batch: list[str]) -> list[str]:
        """Tag one batch; the openids that could not take another tag."""
        try:
            await self._client.batch_tag(tag_id, batch)
        except ApiError as exc:
            if exc.errcode == STALE_OA_TAG:
                # Deleted in the console since we cached its id: look it up (or create) again.
                await self._ids.forget(tag)
                fresh = await self._ids.id_of(tag, create=True)
                assert fresh is not None  # noqa: S101
                return await self._tag_batch(tag, fresh, batch) if fresh != tag_id else []
            if exc.errcode != USER_TAGS_FULL:
                raise
        else:
            return []
        # All or nothing at WeChat: one full follower fails the batch, so go one by one.
        full: list[str] = []
        for openid in batch:
            try:
                await self._client.batch_tag(tag_id, [openid])
            except ApiError as exc:
                if exc.errcode != USER_TAGS_FULL:
                    raise
                full.append(openid)
        return full


class WeComTagSync:
    """`tags.wecom_sync` for one WeCom app: corp tags on every staff relation of a customer."""

    def __init__(
        self, app: str, client: WeComClient, ids: CorpTagIds, sessions: SessionFactory
    ) -> None:
        self._app = app
        self._client = client
        self._ids = ids
        self._sessions = sessions

    async def run(self, external_userid: str, add: Sequence[str], remove: Sequence[str]) -> None:
        async with self._sessions() as session:
            profile_id = await session.scalar(
                select(Identity.profile_id).where(
                    Identity.kind == EXTERNAL_USERID,
                    Identity.app == self._app,
                    Identity.value == external_userid,
                )
            )
            if profile_id is None:
                return
            profile_id = await canonical_id(session, profile_id)
            current = set(
                await session.scalars(
                    select(ProfileTag.tag).where(ProfileTag.profile_id == profile_id)
                )
            )
            userids = await relations_of(session, self._app, external_userid)
        add = [tag for tag in add if tag in current]
        remove = [tag for tag in remove if tag not in current]
        if not userids or not (add or remove):
            return
        add_ids = await self._ids.ids_of(add, create=True)
        remove_ids = await self._ids.ids_of(remove, create=False)
        if not add_ids and not remove_ids:
            return
        for userid in userids:
            await self._client.mark_tag(userid, external_userid, add_ids, remove_ids)
