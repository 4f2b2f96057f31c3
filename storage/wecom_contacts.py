"""Linking a WeCom customer (external contact) to the profile of the person behind it.

For the leads feature's WeCom callbacks: call `link_external_contact` when a
customer is added (the contact way's `State` is the channel) or first seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.identities import resolve_profile
from storage.jobs import JobKind
from storage.models import Identity, Profile
from storage.outbox import add_jobs
from storage.profiles import canonical_id, channel_change, link_unionid
from storage.records import JobRequest
from storage.tagging_models import WeComRelation
from storage.timeline import IDENTITY_LINKED, Change, record
from storage.upsert import insert_unless_exists

EXTERNAL_USERID = "external_userid"
# The source of what a "contact me" add gives (its tags and points), followed by the state.
CONTACT_WAY_SOURCE = "wecom:contact_way:"
# Re-derive a profile's rule tags and mirror all its tags to every identity.


@dataclass(frozen=True)
class ProfileRefresh:
    """Re-derive a profile's rule tags and mirror all of them (after it gained an identity)."""

    profile_id: int


PROFILE_REFRESH = JobKind("profile.refresh", ProfileRefresh)


async def link_external_contact(
    session: AsyncSession,
    app: str,
    external_userid: str,
    *,
    at: datetime,
    unionid: str | None = None,
    staff_userid: str | None = None,
    state: str | None = None,
    name: str | None = None,
) -> int:
    """The profile id of a WeCom customer, linking and merging as far as we can tell.

    `app` is the `[[wecom]] name`; `unionid` (from `externalcontact/get`) joins
    the customer to their official-account profile; `staff_userid` is the
    member who added them (corp tags live on that relation); `state` is the
    contact way's State, recorded as the channel; `name` is the customer's WeChat name
    (kept on the identity, for people to recognise them). Queues a `profile.refresh`
    job so the profile's tags reach the new relation as corp tags.
    """
    known = await session.scalar(
        select(Identity.profile_id).where(
            Identity.kind == EXTERNAL_USERID, Identity.app == app, Identity.value == external_userid
        )
    )
    profile_id = await canonical_id(
        session, await resolve_profile(session, EXTERNAL_USERID, app, external_userid, at)
    )
    if name:
        await session.execute(
            update(Identity)
            .where(
                Identity.kind == EXTERNAL_USERID,
                Identity.app == app,
                Identity.value == external_userid,
            )
            .values(name=name[:64])
        )
    if known is None:
        detail = f"WeCom {app} external_userid {external_userid}"
        await record(session, profile_id, Change(IDENTITY_LINKED, at, source=app, detail=detail))
    if staff_userid:
        values = {
            "corp": app,
            "external_userid": external_userid,
            "userid": staff_userid,
            "state": state,
            "created_at": at,
        }
        table = WeComRelation
        await insert_unless_exists(session, table, values, ("corp", "external_userid", "userid"))
    if unionid:
        merge = await link_unionid(session, profile_id, unionid, at=at, source=f"wecom:{app}")
        profile_id = merge.survivor if merge else profile_id
    if state:
        profile = await session.get(Profile, profile_id)
        if profile is not None:
            change = channel_change(profile, state, at, source=f"wecom:{app}")
            await record(session, profile_id, change)
    add_jobs(session, [refresh_job(profile_id)], at)
    return profile_id


def refresh_job(profile_id: int) -> JobRequest:
    return PROFILE_REFRESH.request("profile", ProfileRefresh(profile_id))


async def relations_of(session: AsyncSession, app: str, external_userid: str) -> list[str]:
    """The staff userids who have this customer as a contact."""
    rows = await session.scalars(
        select(WeComRelation.userid)
        .where(WeComRelation.corp == app, WeComRelation.external_userid == external_userid)
        .order_by(WeComRelation.id)
    )
    return list(rows)
