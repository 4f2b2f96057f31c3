"""What grades and journey conditions look at, read for many profiles in a few queries.

Plain data: the domain packages (leads grades, journey conditions) decide from it.
Loading is batched so a scheduler firing 500 steps reads 500 profiles' facts
in a handful of round trips rather than thousands.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.models import ChannelRow
from storage.id_filter import one_of
from storage.lead_models import Lead
from storage.models import Identity, InboundEvent, Profile, ProfileTag
from storage.records import MENU_EVENTS

# Events read per profile for windowed counts; more than any grade needs.
EVENTS_PER_PROFILE_MAX = 500


@dataclass(frozen=True)
class ProfileFacts:
    profile_id: int
    score: int = 0
    tags: frozenset[str] = frozenset()
    first_channel: str | None = None
    last_channel: str | None = None
    # The names and groups of those two channels, from the channel directory (a scene or
    # state that no channel claims has neither).
    channel_names: frozenset[str] = frozenset()
    channel_groups: frozenset[str] = frozenset()
    has_phone: bool = False
    # Still following at least one official account.
    subscribed: bool = True
    lead_id: int | None = None
    lead_state: str | None = None
    lead_grade: str | None = None
    lead_locked: bool = False
    lead_owner: str | None = None
    lead_external_userid: str | None = None
    openid: str | None = None
    account: str | None = None
    message_times: tuple[datetime, ...] = ()
    click_times: tuple[datetime, ...] = ()
    last_message_at: datetime | None = None

    def came_through(self, channel: str) -> bool:
        """The first or the last channel is `channel`, named by its key or its name."""
        return channel in (self.first_channel, self.last_channel) or channel in self.channel_names


async def load_facts(
    session: AsyncSession,
    profile_ids: Sequence[int],
    *,
    now: datetime,
    window_days: int = 0,
    last_message: bool = False,
) -> dict[int, ProfileFacts]:
    """Facts of each existing profile.

    `window_days` > 0 also reads the recent messages and clicks (for windowed
    grade conditions); `last_message` reads when each person last wrote.
    """
    ids = sorted(set(profile_ids))
    if not ids:
        return {}
    built: dict[int, dict[str, object]] = {}
    # Columns, not ORM objects: fresh even where a bulk UPDATE changed a loaded row.
    profiles = await session.execute(
        select(
            Profile.id, Profile.score, Profile.first_channel, Profile.last_channel, Profile.phone
        ).where(one_of(session, Profile.id, ids))
    )
    for profile_id, score, first, last_channel, phone in profiles:
        built[profile_id] = {
            "profile_id": profile_id,
            "score": score,
            "first_channel": first,
            "last_channel": last_channel,
            "has_phone": bool(phone),
        }
    await _channel_labels(session, built)
    tags: dict[int, set[str]] = defaultdict(set)
    rows = await session.execute(
        select(ProfileTag.profile_id, ProfileTag.tag).where(
            one_of(session, ProfileTag.profile_id, ids)
        )
    )
    for profile_id, tag in rows:
        tags[profile_id].add(tag)
    openids = await session.execute(
        select(Identity.profile_id, Identity.app, Identity.value, Identity.subscribed)
        .where(one_of(session, Identity.profile_id, ids), Identity.kind == "openid")
        .order_by(Identity.subscribed.desc(), Identity.id)
    )
    subscribed: dict[int, bool] = {}
    for profile_id, app, value, is_subscribed in openids:
        values = built.get(profile_id)
        if values is not None and "openid" not in values:
            values["openid"], values["account"] = value, app
        subscribed[profile_id] = subscribed.get(profile_id, False) or bool(is_subscribed)
    leads = await session.execute(
        select(
            Lead.profile_id, Lead.id, Lead.state, Lead.grade, Lead.locked, Lead.owner,
            Lead.external_userid,
        ).where(one_of(session, Lead.profile_id, ids))
    )  # fmt: skip
    for profile_id, lead_id, state, grade, locked, owner, external in leads:
        values = built.get(profile_id)
        if values is not None:
            values.update(
                lead_id=lead_id,
                lead_state=state,
                lead_grade=grade,
                lead_locked=locked,
                lead_owner=owner,
                lead_external_userid=external,
            )
    messages, clicks, last = await _recent_events(session, ids, now, window_days)
    if last_message and not last:
        latest = await session.execute(
            select(InboundEvent.profile_id, func.max(InboundEvent.received_at))
            .where(
                one_of(session, InboundEvent.profile_id, ids),
                InboundEvent.profile_id.is_not(None),
                InboundEvent.msg_type != "event",
            )
            .group_by(InboundEvent.profile_id)
        )
        last = {int(row[0]): row[1] for row in latest if row[0] is not None}
    return {
        profile_id: ProfileFacts(
            **values,  # type: ignore[arg-type]
            tags=frozenset(tags.get(profile_id, ())),
            subscribed=subscribed.get(profile_id, True),
            message_times=tuple(messages.get(profile_id, ())),
            click_times=tuple(clicks.get(profile_id, ())),
            last_message_at=last.get(profile_id),
        )
        for profile_id, values in built.items()
    }


async def _channel_labels(session: AsyncSession, built: dict[int, dict[str, object]]) -> None:
    """Each profile's channels' names and groups, in one query for all of them."""
    keys = {str(key) for values in built.values()
            for key in (values["first_channel"], values["last_channel"]) if key}  # fmt: skip
    if not keys:
        return
    rows = await session.execute(
        select(ChannelRow.key, ChannelRow.name, ChannelRow.group_name).where(
            ChannelRow.key.in_(sorted(keys))
        )
    )
    labels = {str(key): (str(name), str(group)) for key, name, group in rows}
    for values in built.values():
        known = [labels[k] for k in (values["first_channel"], values["last_channel"])
                 if isinstance(k, str) and k in labels]  # fmt: skip
        values["channel_names"] = frozenset(name for name, _ in known)
        values["channel_groups"] = frozenset(group for _, group in known if group)


async def _recent_events(
    session: AsyncSession, ids: Sequence[int], now: datetime, window_days: int
) -> tuple[dict[int, list[datetime]], dict[int, list[datetime]], dict[int, datetime]]:
    messages: dict[int, list[datetime]] = defaultdict(list)
    clicks: dict[int, list[datetime]] = defaultdict(list)
    last: dict[int, datetime] = {}
    if window_days <= 0:
        return messages, clicks, last
    rows = await session.execute(
        select(InboundEvent.profile_id, InboundEvent.msg_type, InboundEvent.event,
               InboundEvent.received_at)
        .where(
            one_of(session, InboundEvent.profile_id, ids),
            InboundEvent.received_at >= now - timedelta(days=window_days),
        )
        .order_by(InboundEvent.id.desc())
        .limit(EVENTS_PER_PROFILE_MAX * len(ids))
    )  # fmt: skip
    for profile_id, msg_type, event, at in rows:
        if profile_id is None:
            continue  # not applied by the effects stage yet (never, for these ids)
        if msg_type != "event":
            messages[profile_id].append(at)
            last[profile_id] = max(at, last.get(profile_id, at))
        elif event in MENU_EVENTS:
            clicks[profile_id].append(at)
    return messages, clicks, last
