"""What lead alert cards show, read for all of a batch's new leads in a few statements.

One lead's card took six round trips (profile, first openid, channel name, tags, last
messages, grade history); a wave of 500 new leads took 3 000. Here each fact is one
statement for every profile of the wave. The grade history of a lead made in the same
transaction is known to its caller, so it is not read back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.directory import channel_labels
from storage.id_filter import one_of
from storage.models import Identity, InboundEvent, Profile, ProfileTag


@dataclass(frozen=True)
class CardFacts:
    """One person's facts as a card shows them (`leads.alerts.LeadSummary` less the lead)."""

    openid: str | None
    phone: str | None
    # The channel's name (its key when no channel claims it), None without one.
    channel: str | None
    tags: tuple[str, ...]
    points: int
    messages: tuple[str, ...]


async def card_facts(
    session: AsyncSession, profile_ids: Sequence[int], messages_per_card: int
) -> dict[int, CardFacts]:
    """Each existing profile's card facts; `messages_per_card` last texts, oldest first."""
    ids = sorted(set(profile_ids))
    if not ids:
        return {}
    connection = await session.connection()
    # Columns, not ORM objects: fresh after the batch's set-based updates of profiles.
    profiles = {
        row.id: row
        for row in await connection.execute(
            select(
                Profile.id, Profile.phone, Profile.score, Profile.first_channel,
                Profile.last_channel,
            ).where(one_of(session, Profile.id, ids))
        )
    }  # fmt: skip
    openids: dict[int, str] = {}
    for profile_id, value in await connection.execute(
        select(Identity.profile_id, Identity.value)
        .where(one_of(session, Identity.profile_id, ids), Identity.kind == "openid")
        .order_by(Identity.id)
    ):
        openids.setdefault(profile_id, value)
    tags = await tags_of(session, ids)
    messages = await _last_messages(session, ids, messages_per_card)
    keys = {p.last_channel or p.first_channel for p in profiles.values()} - {None}
    names = await channel_labels(session, sorted(str(key) for key in keys))
    facts = {}
    for profile_id, profile in profiles.items():
        key = profile.last_channel or profile.first_channel
        facts[profile_id] = CardFacts(
            openid=openids.get(profile_id),
            phone=profile.phone,
            channel=names.get(key, key) if key else None,
            tags=tuple(tags.get(profile_id, ())),
            points=int(profile.score),
            messages=tuple(messages.get(profile_id, ())),
        )
    return facts


async def tags_of(session: AsyncSession, profile_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each profile's tags in the order they were given (one query for all)."""
    tags: defaultdict[int, list[str]] = defaultdict(list)
    if not profile_ids:
        return tags
    rows = await session.execute(
        select(ProfileTag.profile_id, ProfileTag.tag)
        .where(one_of(session, ProfileTag.profile_id, profile_ids))
        .order_by(ProfileTag.id)
    )
    for profile_id, tag in rows:
        tags[int(profile_id)].append(str(tag))
    return tags


async def _last_messages(
    session: AsyncSession, ids: Sequence[int], limit: int
) -> dict[int, list[str]]:
    """Each profile's last `limit` messages with text, oldest first (one windowed query)."""
    rank = func.row_number().over(
        partition_by=InboundEvent.profile_id, order_by=InboundEvent.id.desc()
    )
    ranked = (
        select(
            InboundEvent.profile_id.label("profile_id"),
            InboundEvent.id.label("id"),
            InboundEvent.content.label("content"),
            rank.label("rank"),
        )
        .where(one_of(session, InboundEvent.profile_id, ids), InboundEvent.content.is_not(None))
        .subquery()
    )
    rows = await session.execute(
        select(ranked.c.profile_id, ranked.c.content)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.profile_id, ranked.c.id)
    )
    found: defaultdict[int, list[str]] = defaultdict(list)
    for profile_id, content in rows:
        if content:
            found[int(profile_id)].append(str(content))
    return found
