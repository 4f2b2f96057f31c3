"""A channel's "tagged": the people it brought who then earned a behaviour tag, each once.

A behaviour tag says what someone did (a keyword rule, a counter, a phone number left).
Attributes (the channel's own tags, the touch tags) and value tiers (what the points
add up to, arrival points included) do not; nor does the tag a WeCom add gives everyone
who adds (`storage.wecom_contacts.CONTACT_WAY_SOURCE`): it says only that they arrived.
Counted for the channel that first brought the person, the day the member row is first
marked; in the transaction of the tag, so a replayed batch counts nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.models import ChannelMember
from storage.channels.tallies import Tally
from storage.event_batch import EventBatch
from storage.models import ProfileTag
from storage.wecom_contacts import CONTACT_WAY_SOURCE

BEHAVIOR = "behavior"  # tagging.rules.Category.BEHAVIOR (a sibling unit: not imported)


async def mark_tagged(
    session: AsyncSession, profile_ids: Collection[int], at: datetime, tally: Tally
) -> None:
    """Mark the members among `profile_ids` who have a behaviour tag, and count them."""
    if not profile_ids:
        return
    rows = await session.execute(
        select(ProfileTag.profile_id)
        .where(
            ProfileTag.profile_id.in_(list(profile_ids)),
            ProfileTag.category == BEHAVIOR,
            ProfileTag.source.not_like(f"{CONTACT_WAY_SOURCE}%"),
        )
        .distinct()
    )
    behaved = [int(pid) for (pid,) in rows]
    if not behaved:
        return
    marked = await session.execute(
        update(ChannelMember)
        .where(ChannelMember.profile_id.in_(behaved), ChannelMember.tagged_at.is_(None))
        .values(tagged_at=at)
        .returning(ChannelMember.channel)
    )
    for (channel,) in marked:
        tally.add(str(channel), at, "tagged")


class ChannelTagged:
    """The effects step after tagging: members of the batch who were tagged just now."""

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None:
        tally = Tally()
        await mark_tagged(session, [pid for pid, tags in batch.added_tags.items() if tags],
                          batch.at, tally)  # fmt: skip
        await tally.write(session)
