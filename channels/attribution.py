"""Counting what each channel brings, once per event, in the effects stage's transaction.

`ChannelArrivals` is an effects step (`storage.event_batch.EffectStep`) of the
official-account stream, run before tagging: a scan of a channel's code (`SCAN KEY`,
or a follow with `qrscene_KEY`) counts a scan, a follow through it a new follow or a
re-follow (the openid was known before), an unfollow counts against the channel that
first brought the person; arriving gives the channel's tags and points (`arrive`),
which the tagging step then mirrors to WeChat and WeCom like any tag of the batch.
`channels.tagged` counts the arrivals' first behaviour, after tagging.
`count_contact_change` does the same for WeCom adds and deletions, per staff member.
A batch that is replayed was rolled back with its counts, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from channels.model import ChannelTable
from storage.channels.models import ChannelMember
from storage.channels.tallies import Tally
from storage.event_batch import EventBatch
from storage.models import Identity
from storage.profile_tags import grant_points, grant_tags
from storage.records import PointGrant, TagGrant
from storage.tagging_models import WeComRelation
from storage.upsert import insert_or_skip

ATTRIBUTE = "attribute"


def channel_source(key: str) -> str:
    return f"channel:{key}"


@dataclass(frozen=True)
class Arrival:
    first: bool  # the first channel that brought this person (a new member row)
    tags: tuple[str, ...]  # the channel's tags the person did not have yet


async def arrive(
    session: AsyncSession, table: ChannelTable, profile_id: int, key: str, at: datetime
) -> Arrival:
    """A person arrived through `key`'s code (a scan, a follow, a WeCom add): the channel's
    tags, and the first channel that brought them (points only then: a second scan of the
    same poster is not worth points again)."""
    channel = table.get(key)
    connection = await session.connection()
    first = await connection.execute(
        insert_or_skip(connection, ChannelMember, ("profile_id",)).returning(ChannelMember.id),
        [{"profile_id": profile_id, "channel": key, "arrived_at": at}],
    )
    new = first.first() is not None
    if channel is None:
        return Arrival(new, ())
    source = channel_source(key)
    added = await grant_tags(
        session, [(profile_id, TagGrant(t, source, ATTRIBUTE)) for t in channel.tags], at=at
    )
    if new and channel.points:
        await grant_points(session, [(profile_id, PointGrant(channel.points, source))], at=at)
    return Arrival(new, tuple(tag for _, tag in added))


class ChannelArrivals:
    """The effects step: counts and arrivals for a batch of OA events (before tagging)."""

    def __init__(self, table: Callable[[], ChannelTable]) -> None:
        self._table = table

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None:
        table, tally, at = self._table(), Tally(), batch.at
        known = await self._known_before(session, batch)
        seen_now: set[tuple[str, str]] = set()
        unfollowed: list[int] = []
        for event in batch.events:
            person = (event.account, event.openid)
            key = event.decision.channel
            if event.event == "unsubscribe":
                unfollowed.append(event.profile_id)
            elif event.event in ("subscribe", "scan") and key:
                tally.add(key, event.sent_at, "scans")
                if event.event == "subscribe":
                    again = person in known or person in seen_now
                    tally.add(key, event.sent_at, "refollows" if again else "follows")
                arrival = await arrive(session, table, event.profile_id, key, at)
                # Tagging, next, mirrors them and tells the journeys, as for any new tag.
                batch.added_tags[event.profile_id].update(arrival.tags)
            if event.event == "subscribe":
                seen_now.add(person)
        for channel, count in (await _members(session, unfollowed)).items():
            tally.add(channel, at, "unfollows", n=count)
        await tally.write(session)

    async def _known_before(self, session: AsyncSession, batch: EventBatch) -> set[tuple[str, str]]:
        """Followers known before this batch: their follow now is a re-follow."""
        wanted = {(e.account, e.openid) for e in batch.events if e.event == "subscribe"}
        if not wanted:
            return set()
        rows = await session.execute(
            select(Identity.app, Identity.value).where(
                Identity.kind == "openid",
                tuple_(Identity.app, Identity.value).in_(list(wanted)),
                Identity.created_at < batch.at,
            )
        )
        return {(str(app), str(value)) for app, value in rows}


async def _members(session: AsyncSession, profile_ids: list[int]) -> Mapping[str, int]:
    if not profile_ids:
        return {}
    rows = await session.execute(
        select(ChannelMember.channel).where(ChannelMember.profile_id.in_(profile_ids))
    )
    counts: dict[str, int] = {}
    for (channel,) in rows:
        counts[str(channel)] = counts.get(str(channel), 0) + 1
    return counts


async def count_contact_change(
    session: AsyncSession, app: str, fields: Mapping[str, str], at: datetime, tally: Tally
) -> str | None:
    """A WeCom add or deletion, per channel and staff member; the channel key counted."""
    change, userid = fields.get("ChangeType", ""), fields.get("UserID", "")
    external = fields.get("ExternalUserID", "")
    if change == "add_external_contact":
        key = fields.get("State", "")
        if key:
            tally.add(key, at, "adds", staff=userid)
        return key or None
    if change not in ("del_external_contact", "del_follow_user"):
        return None
    key = await session.scalar(
        select(WeComRelation.state).where(
            WeComRelation.corp == app,
            WeComRelation.external_userid == external,
            WeComRelation.userid == userid,
        )
    )
    if not key:
        return None
    metric = "deleted_by_staff" if change == "del_external_contact" else "deleted_by_customer"
    tally.add(key, at, metric, staff=userid)
    return str(key)
