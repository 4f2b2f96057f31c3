"""OneID: one profile per person, linked by unionid and phone, merged when two turn out one.

A merge keeps everything of both: tags (the earlier grant, the later expiry),
point entries and score, timeline entries, events and identities move to the
older profile; the absorbed one stays as a tombstone with `merged_into_id`,
so ids handed out earlier still resolve (`canonical_id`). Identities are
re-pointed, so `resolve_profile` finds the survivor directly.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.journey_repo import rekey_after_merge
from storage.models import Base, Identity, Profile
from storage.profile_tags import tags_of
from storage.tagging_models import TimelineEntry
from storage.timeline import CHANNEL, IDENTITY_LINKED, MERGED, PHONE, Change, record
from storage.types import utc_now

log = logging.getLogger(__name__)

# Moved by hand: profile_tags (same tag on both), profiles (the merge itself).
_HANDLED = {"profile_tags", "profiles"}


@dataclass(frozen=True)
class Merge:
    """`absorbed` now lives on in `survivor`."""

    survivor: int
    absorbed: int


async def canonical_id(session: AsyncSession, profile_id: int) -> int:
    """The live profile behind `profile_id`, following merges."""
    seen: set[int] = set()
    current = profile_id
    while current not in seen:
        seen.add(current)
        merged_into = await session.scalar(
            select(Profile.merged_into_id).where(Profile.id == current)
        )
        if merged_into is None:
            return current
        current = merged_into
    raise RuntimeError(f"profile merge cycle through #{profile_id}")


async def merge_profiles(
    session: AsyncSession, first: int, second: int, *, reason: str, at: datetime
) -> Merge | None:
    """Merge two profiles into the older one; None when they are already one.

    Safe to call again for the same pair: rows that reached the absorbed
    profile after the merge (a callback in flight) are moved over too.
    """
    a, b = await canonical_id(session, first), await canonical_id(session, second)
    if a == b:
        for straggler in {first, second} - {a}:
            await _move_rows(session, straggler, a)
        return None
    survivor_id, absorbed_id = min(a, b), max(a, b)
    survivor = await session.get(Profile, survivor_id, with_for_update=True)
    absorbed = await session.get(Profile, absorbed_id, with_for_update=True)
    if survivor is None or absorbed is None:
        raise RuntimeError(f"cannot merge missing profile #{a} or #{b}")
    last_channel = await _later_channel(session, survivor, absorbed)
    unionid = survivor.unionid or absorbed.unionid
    absorbed.unionid = None  # unique: free it before the survivor takes it
    absorbed.merged_into_id = survivor_id
    await session.flush()
    survivor.unionid = unionid
    survivor.phone = survivor.phone or absorbed.phone
    survivor.score += absorbed.score
    absorbed.score = 0
    survivor.first_channel = (
        survivor.first_channel
        if survivor.first_channel and survivor.created_at <= absorbed.created_at
        else absorbed.first_channel or survivor.first_channel
    )
    survivor.last_channel = last_channel
    survivor.updated_at = at
    await session.flush()
    await _move_rows(session, absorbed_id, survivor_id)
    detail = f"absorbed profile #{absorbed_id} ({reason})"
    await record(session, survivor_id, Change(MERGED, at, source=reason, detail=detail))
    # Only the kind of link: the reason may carry a phone number, which logs never show.
    log.info(
        "merged profile #%d into #%d (by %s)", absorbed_id, survivor_id, reason.partition(" ")[0]
    )
    return Merge(survivor_id, absorbed_id)


async def _later_channel(session: AsyncSession, one: Profile, other: Profile) -> str | None:
    if not one.last_channel or not other.last_channel:
        return one.last_channel or other.last_channel
    mine, theirs = [await _last_channel_at(session, profile.id) for profile in (one, other)]
    if theirs is not None and (mine is None or theirs > mine):
        return other.last_channel
    return one.last_channel


async def _last_channel_at(session: AsyncSession, profile_id: int) -> datetime | None:
    return await session.scalar(
        select(func.max(TimelineEntry.at)).where(
            TimelineEntry.profile_id == profile_id, TimelineEntry.kind == CHANNEL
        )
    )


async def _move_tags(session: AsyncSession, absorbed: int, survivor: int) -> None:
    kept = {tag.tag: tag for tag in await tags_of(session, survivor)}
    for tag in await tags_of(session, absorbed):
        mine = kept.get(tag.tag)
        if mine is None:
            tag.profile_id = survivor
            continue
        # Both had it: the earlier grant, and the later expiry (none beats any).
        if tag.created_at < mine.created_at:
            mine.created_at, mine.source = tag.created_at, tag.source
        if mine.expires_at is not None:
            mine.expires_at = (
                None if tag.expires_at is None else max(mine.expires_at, tag.expires_at)
            )
        await session.delete(tag)
    await session.flush()


async def _move_rows(session: AsyncSession, absorbed: int, survivor: int) -> None:
    """Re-point every other table's `profile_id` (identities, points, timeline, events, …).

    A table of another feature may allow one row per profile (a lead); a row
    that would collide stays with the absorbed profile, where `canonical_id`
    still finds it, rather than failing the merge.
    """
    if absorbed == survivor:
        return
    await _move_tags(session, absorbed, survivor)
    for table in _profile_tables():
        try:
            async with session.begin_nested():
                await session.execute(
                    update(table).where(table.c.profile_id == absorbed).values(profile_id=survivor)
                )
        except IntegrityError:
            log.warning(
                "merge #%d into #%d: %s rows kept on #%d (unique per profile)",
                absorbed, survivor, table.name, absorbed,
            )  # fmt: skip
    # Journey runs are keyed by profile: the moved ones take the survivor's key.
    await rekey_after_merge(session, survivor, utc_now())


def _profile_tables() -> list[Table]:
    # By the column's name, not its foreign key: the effects stage's append tables
    # point at profiles without one (`storage.models.Profile` says why).
    return [
        table
        for table in Base.metadata.sorted_tables
        if table.name not in _HANDLED and "profile_id" in table.c
    ]


async def link_unionid(
    session: AsyncSession, profile_id: int, unionid: str, *, at: datetime, source: str
) -> Merge | None:
    """Attach a unionid; a profile that already has it is merged with this one."""
    profile_id = await canonical_id(session, profile_id)
    owner = await session.scalar(select(Profile.id).where(Profile.unionid == unionid))
    if owner is not None:
        return await merge_profiles(session, owner, profile_id, reason=f"unionid {unionid}", at=at)
    profile = await session.get(Profile, profile_id)
    if profile is None:
        raise RuntimeError(f"profile #{profile_id} does not exist")
    if profile.unionid not in (None, unionid):
        log.warning(
            "profile #%d has unionid %s, not %s; left as is", profile_id, profile.unionid, unionid
        )
        return None
    profile.unionid = unionid
    detail = f"unionid {unionid}"
    await record(session, profile_id, Change(IDENTITY_LINKED, at, source=source, detail=detail))
    return None


async def link_phone(
    session: AsyncSession, profile_id: int, phone: str, *, at: datetime, source: str
) -> Merge | None:
    """Set the profile's phone; another live profile with the same phone is merged in.

    Two profiles with different unionids are two WeChat users (a couple sharing
    a number, an assistant): they share the phone but are not merged.
    """
    profile_id = await canonical_id(session, profile_id)
    profile = await session.get(Profile, profile_id)
    if profile is None:
        raise RuntimeError(f"profile #{profile_id} does not exist")
    if profile.phone != phone:
        profile.phone = phone
        profile.updated_at = at
        await record(session, profile_id, Change(PHONE, at, source=source, detail=phone))
    others = await session.scalars(
        select(Profile).where(
            Profile.phone == phone, Profile.id != profile_id, Profile.merged_into_id.is_(None)
        )
    )
    merge: Merge | None = None
    for other in list(others):
        if profile.unionid and other.unionid and profile.unionid != other.unionid:
            continue
        merge = await merge_profiles(session, profile_id, other.id, reason=f"phone {phone}", at=at)
        profile_id = merge.survivor if merge else profile_id
        profile = await session.get(Profile, profile_id) or profile
    return merge


async def identities_of(session: AsyncSession, profile_id: int) -> list[Identity]:
    return (await identities_of_many(session, [profile_id])).get(profile_id, [])


async def identities_of_many(
    session: AsyncSession, profile_ids: Collection[int]
) -> dict[int, list[Identity]]:
    """Identities of many profiles by profile id, oldest first (one query)."""
    rows = await session.scalars(
        select(Identity).where(Identity.profile_id.in_(list(profile_ids))).order_by(Identity.id)
    )
    found: dict[int, list[Identity]] = {}
    for identity in rows:
        found.setdefault(identity.profile_id, []).append(identity)
    return found


def channel_change(profile: Profile, channel: str, at: datetime, source: str) -> Change:
    """Set first/last channel on the profile (first only once) and say so for the timeline."""
    profile.first_channel = profile.first_channel or channel
    profile.last_channel = channel
    profile.updated_at = at
    return Change(CHANNEL, at, source=source, detail=channel)
