"""People as the site lists them: who they are, how to reach them, where they came from.

`person_cards` reads the facts of a page of people at once (a lead board column, a
search result): one query per kind of fact, over the profiles' primary keys and
the `(profile_id, received_at)` index of events, whatever the number of people.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.keyword_stats import TEXT_TYPES
from storage.lead_models import Lead
from storage.models import Identity, InboundEvent, PointEntry, Profile, ProfileTag
from storage.profiles import canonical_id
from storage.tagging_models import TimelineEntry

SEARCH_LIMIT = 20
_ID = re.compile(r"^#?(\d{1,10})$")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_SEPARATORS = re.compile(r"[\s\-()]")


@dataclass(frozen=True)
class PersonCard:
    """What a list shows of one person. `name` is None where no platform told one."""

    profile_id: int
    name: str | None
    phone: str | None
    first_channel: str | None
    last_channel: str | None
    last_message: str | None
    last_message_at: datetime | None


async def person_cards(
    session: AsyncSession, profile_ids: Collection[int]
) -> dict[int, PersonCard]:
    ids = sorted(set(profile_ids))
    if not ids:
        return {}
    profiles = {
        row.id: row
        for row in await session.execute(
            select(Profile.id, Profile.phone, Profile.first_channel, Profile.last_channel).where(
                Profile.id.in_(ids)
            )
        )
    }
    named: dict[int, str] = {}
    for profile_id, name in await session.execute(
        select(Identity.profile_id, Identity.name)
        .where(Identity.profile_id.in_(ids), Identity.name.is_not(None))
        .order_by(Identity.id)
    ):
        if name:
            named.setdefault(profile_id, name)
    # Each person's newest message: its id off the (profile_id, received_at) index,
    # newest first, stopping at the first text (a window over every event of 240
    # people read ten times the rows: 87 ms at bench scale 1); then those rows by id.
    newest = (
        select(InboundEvent.id)
        .where(InboundEvent.profile_id == Profile.id, InboundEvent.msg_type.in_(TEXT_TYPES))
        .order_by(InboundEvent.received_at.desc(), InboundEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_ids = [
        event_id
        for event_id in await session.scalars(select(newest).where(Profile.id.in_(ids)))
        if event_id is not None
    ]
    said: dict[int, tuple[str | None, datetime]] = {}
    if last_ids:
        rows = await session.execute(
            select(InboundEvent.profile_id, InboundEvent.content, InboundEvent.received_at).where(
                InboundEvent.id.in_(last_ids)
            )
        )
        said = {int(pid): (content, at) for pid, content, at in rows if pid is not None}
    return {
        profile_id: PersonCard(
            profile_id,
            named.get(profile_id),
            row.phone,
            row.first_channel,
            row.last_channel,
            *said.get(profile_id, (None, None)),
        )
        for profile_id, row in profiles.items()
    }


async def search_people(session: AsyncSession, query: str) -> list[int]:
    """Live profiles `query` names: `#12`, a mobile number, an openid, external_userid,
    unionid or WeChat name, or a tag (its newest people). At most `SEARCH_LIMIT`."""
    query = query.strip()
    if not query:
        return []
    found: list[int] = []
    compact = _SEPARATORS.sub("", query)
    phone = _PHONE.match(compact)
    if phone is not None:
        found += await session.scalars(
            select(Profile.id).where(Profile.phone == phone.group(1)).limit(SEARCH_LIMIT)
        )
    by_id = _ID.match(query)
    if by_id is not None and await session.get(Profile, int(by_id.group(1))) is not None:
        found.append(int(by_id.group(1)))
    for column in (Identity.value, Identity.name):
        found += await session.scalars(
            select(Identity.profile_id).where(column == query).limit(SEARCH_LIMIT)
        )
    found += await session.scalars(select(Profile.id).where(Profile.unionid == query))
    found += await session.scalars(
        select(ProfileTag.profile_id)
        .where(ProfileTag.tag == query)
        .order_by(ProfileTag.id.desc())
        .limit(SEARCH_LIMIT)
    )
    live: list[int] = []
    for profile_id in found:
        survivor = await canonical_id(session, profile_id)
        if survivor not in live:
            live.append(survivor)
    return live[:SEARCH_LIMIT]


async def leads_of(session: AsyncSession, profile_ids: Collection[int]) -> dict[int, Lead]:
    """The lead of each person who is one."""
    rows = await session.scalars(select(Lead).where(Lead.profile_id.in_(list(profile_ids))))
    return {lead.profile_id: lead for lead in rows}


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Newest first; `older` is the `before` of the next page (None: this is the last)."""

    items: list[T]
    older: int | None


async def messages_page(
    session: AsyncSession, profile_id: int, limit: int, before_id: int | None = None
) -> Page[InboundEvent]:
    """The person's messages and events, newest first, keyset-paged on id (a person has
    tens or hundreds: `ix_inbound_events_profile_time` finds them, sorting is cheap)."""
    query = select(InboundEvent).where(InboundEvent.profile_id == profile_id)
    if before_id is not None:
        query = query.where(InboundEvent.id < before_id)
    query = query.order_by(InboundEvent.id.desc())
    rows = list(await session.scalars(query.limit(limit + 1)))
    return Page(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


async def timeline_page(
    session: AsyncSession, profile_id: int, limit: int, before_id: int | None = None
) -> Page[TimelineEntry]:
    """The person's timeline, newest first, keyset-paged on id."""
    query = select(TimelineEntry).where(TimelineEntry.profile_id == profile_id)
    if before_id is not None:
        query = query.where(TimelineEntry.id < before_id)
    query = query.order_by(TimelineEntry.id.desc())
    rows = list(await session.scalars(query.limit(limit + 1)))
    return Page(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


async def points_since(session: AsyncSession, profile_id: int, since: datetime) -> int:
    """The points the person earned since `since` (their point entries)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.profile_id == profile_id, PointEntry.created_at >= since
        )
    )
    return int(total or 0)


async def merged_into(session: AsyncSession, profile_id: int) -> list[int]:
    """The profiles merged into this one (OneID), oldest first."""
    rows = await session.scalars(
        select(Profile.id).where(Profile.merged_into_id == profile_id).order_by(Profile.id)
    )
    return list(rows)
