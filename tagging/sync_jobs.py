"""Outbox jobs that mirror a profile's tag changes to the official accounts and WeCom.

Jobs name tags and ids, not desired end states: the executor checks each tag
against the database when it runs, so jobs that run out of order (a tier
going up and down again) still leave WeChat as wxbot sees the profile now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.jobs import JobKind
from storage.profiles import identities_of, identities_of_many
from storage.records import JobRequest
from storage.wecom_contacts import EXTERNAL_USERID
from tagging.rules import SyncPolicy


@dataclass(frozen=True)
class OaTagChange:
    """Tag and untag followers of one account (the executor batches them by 50)."""

    openids: list[str]
    add: list[str]
    remove: list[str]


@dataclass(frozen=True)
class CorpTagChange:
    """Mark and unmark one WeCom customer with corp tags."""

    external_userid: str
    add: list[str]
    remove: list[str]


@dataclass(frozen=True)
class UnionidLookup:
    openid: str


OA_TAG_SYNC = JobKind("tags.oa_sync", OaTagChange)
WECOM_TAG_SYNC = JobKind("tags.wecom_sync", CorpTagChange)
FETCH_UNIONID = JobKind("profile.fetch_unionid", UnionidLookup)


def fetch_unionid_job(account: str, openid: str) -> JobRequest:
    """`user/info` after a follow, to learn the unionid (never inside the callback)."""
    return FETCH_UNIONID.request(account, UnionidLookup(openid))


async def sync_jobs(
    session: AsyncSession,
    policy: SyncPolicy,
    profile_id: int,
    add: Collection[str],
    remove: Collection[str],
) -> list[JobRequest]:
    """The jobs that mirror one profile's changes (see `sync_jobs_many`)."""
    return await sync_jobs_many(session, policy, {profile_id: (add, remove)})


async def sync_jobs_many(
    session: AsyncSession,
    policy: SyncPolicy,
    changes: Mapping[int, tuple[Collection[str], Collection[str]]],
) -> list[JobRequest]:
    """Jobs mirroring many profiles' tag changes; one identity query for all of them.

    Official-account jobs are grouped per (account, change): a batch in which
    300 followers got the same keyword tag costs one job (batched by 50 when
    it runs), not 300. WeCom corp tags go per customer, as the API wants.
    """
    wanted: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for profile_id, (add_tags, remove_tags) in changes.items():
        add = tuple(sorted(t for t in set(add_tags) - set(remove_tags) if policy.mirrors(t)))
        remove = tuple(sorted(t for t in set(remove_tags) - set(add_tags) if policy.mirrors(t)))
        if add or remove:
            wanted[profile_id] = (add, remove)
    if not wanted:
        return []
    identities = await identities_of_many(session, list(wanted))
    followers: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]] = defaultdict(list)
    jobs: list[JobRequest] = []
    for profile_id, (add, remove) in wanted.items():
        for identity in identities.get(profile_id, []):
            if identity.kind == "openid" and identity.subscribed and policy.official_account:
                followers[(identity.app, add, remove)].append(identity.value)
            elif identity.kind == EXTERNAL_USERID and policy.wecom:
                change = CorpTagChange(identity.value, list(add), list(remove))
                jobs.append(WECOM_TAG_SYNC.request(identity.app, change))
    oa_jobs = [
        oa_job(account, openids, add, remove)
        for (account, add, remove), openids in sorted(followers.items())
    ]
    return oa_jobs + jobs


def oa_job(
    account: str, openids: Collection[str], add: Collection[str], remove: Collection[str]
) -> JobRequest:
    """Tag and untag any number of followers of one account (the executor batches by 50)."""
    return OA_TAG_SYNC.request(account, OaTagChange(list(openids), list(add), list(remove)))


async def removal_jobs(
    session: AsyncSession, policy: SyncPolicy, removed: Collection[tuple[int, str]]
) -> list[JobRequest]:
    """Jobs for tags taken from many profiles at once (an expiry sweep).

    Official-account removals are grouped per (account, tag), so a tag that
    expired for a thousand followers costs 20 `batchuntagging` calls, not 1 000.
    """
    by_tag: dict[tuple[str, str], list[str]] = defaultdict(list)
    jobs: list[JobRequest] = []
    per_profile: dict[int, list[str]] = defaultdict(list)
    for profile_id, tag in removed:
        if policy.mirrors(tag):
            per_profile[profile_id].append(tag)
    for profile_id, tags in sorted(per_profile.items()):
        for identity in await identities_of(session, profile_id):
            if identity.kind == "openid" and identity.subscribed and policy.official_account:
                for tag in tags:
                    by_tag[(identity.app, tag)].append(identity.value)
            elif identity.kind == EXTERNAL_USERID and policy.wecom:
                change = CorpTagChange(identity.value, [], sorted(tags))
                jobs.append(WECOM_TAG_SYNC.request(identity.app, change))
    jobs.extend(
        oa_job(account, openids, (), [tag]) for (account, tag), openids in sorted(by_tag.items())
    )
    return jobs
