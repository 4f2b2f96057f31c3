"""Outbox jobs that mirror a profile's tag changes to the official accounts and WeCom.

Jobs name tags and ids, not desired end states: the executor checks each tag
against the database when it runs, so jobs that run out of order (a tier
going up and down again) still leave WeChat as wxbot sees the profile now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from storage.interactions import JobRequest
from storage.profiles import identities_of
from storage.wecom_contacts import EXTERNAL_USERID
from tagging.rules import SyncPolicy

OA_TAG_SYNC = "tags.oa_sync"
WECOM_TAG_SYNC = "tags.wecom_sync"
FETCH_UNIONID = "profile.fetch_unionid"


def fetch_unionid_job(account: str, openid: str) -> JobRequest:
    """`user/info` after a follow, to learn the unionid (never inside the callback)."""
    return JobRequest(FETCH_UNIONID, target=account, payload={"openid": openid})


async def sync_jobs(
    session: AsyncSession,
    policy: SyncPolicy,
    profile_id: int,
    add: Collection[str],
    remove: Collection[str],
) -> list[JobRequest]:
    """One job per account (all its openids of the profile) and per WeCom customer."""
    add = sorted(tag for tag in set(add) - set(remove) if policy.mirrors(tag))
    remove = sorted(tag for tag in set(remove) - set(add) if policy.mirrors(tag))
    if not add and not remove:
        return []
    openids: dict[str, list[str]] = defaultdict(list)
    customers: list[tuple[str, str]] = []
    for identity in await identities_of(session, profile_id):
        if identity.kind == "openid" and identity.subscribed:
            openids[identity.app].append(identity.value)
        elif identity.kind == EXTERNAL_USERID:
            customers.append((identity.app, identity.value))
    jobs: list[JobRequest] = []
    if policy.official_account:
        jobs.extend(oa_job(account, ids, add, remove) for account, ids in sorted(openids.items()))
    if policy.wecom:
        jobs.extend(
            JobRequest(
                WECOM_TAG_SYNC,
                target=app,
                payload={"external_userid": external_userid, "add": add, "remove": remove},
            )
            for app, external_userid in customers
        )
    return jobs


def oa_job(
    account: str, openids: Collection[str], add: Collection[str], remove: Collection[str]
) -> JobRequest:
    """Tag and untag any number of followers of one account (the executor batches by 50)."""
    payload: dict[str, object] = {
        "openids": list(openids),
        "add": list(add),
        "remove": list(remove),
    }
    return JobRequest(OA_TAG_SYNC, target=account, payload=payload)


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
                payload: dict[str, object] = {
                    "external_userid": identity.value,
                    "add": [],
                    "remove": sorted(tags),
                }
                jobs.append(JobRequest(WECOM_TAG_SYNC, target=identity.app, payload=payload))
    jobs.extend(
        oa_job(account, openids, (), [tag]) for (account, tag), openids in sorted(by_tag.items())
    )
    return jobs
