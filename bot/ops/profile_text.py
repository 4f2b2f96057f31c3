"""One profile as ops need it, on one screen: `wxbot users show` and the admin people page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ops.columns import pad
from bot.ops.times import format_time
from leads.lifecycle import label
from storage.channels.directory import channel_label
from storage.journey_repo import runs_of
from storage.lead_models import Lead
from storage.leads_repo import grade_history
from storage.models import InboundEvent, Profile
from storage.pending_events import unapplied_count
from storage.profile_tags import tags_of
from storage.profiles import identities_of
from storage.reads.people import points_since
from storage.tagging_models import TimelineEntry
from storage.timeline import history
from storage.types import utc_now

LAST_MESSAGES = 10
TIMELINE_ENTRIES = 20
RECENT_POINTS_DAYS = 30


def _time(value: datetime | None) -> str:
    return format_time(value)


@dataclass(frozen=True)
class LeadFacts:
    """The profile's lead as `users show` prints it.

    `grade` is None without `[[leads.grades]]` (the line is left out);
    `grade_history` is how it got there ("-→C", "C→A"), oldest first.
    """

    id: int
    state: str
    owner: str | None
    claimed_at: datetime | None
    created_at: datetime
    grade: str | None = None
    grade_history: tuple[str, ...] = ()


async def lead_of(session: AsyncSession, profile_id: int) -> LeadFacts | None:
    lead = await session.scalar(select(Lead).where(Lead.profile_id == profile_id))
    if lead is None:
        return None
    history = tuple(await grade_history(session, lead.id))
    return LeadFacts(
        lead.id, lead.state, lead.owner, lead.claimed_at, lead.created_at, lead.grade, history
    )


def lead_lines(lead: LeadFacts | None) -> list[str]:
    if lead is None:
        return ["Lead      none (not qualified yet)"]
    owner = lead.owner or "pool (公海)"
    claimed = f", claimed {_time(lead.claimed_at)}" if lead.claimed_at else ", not claimed"
    lines = [
        f"Lead      #{lead.id}  {lead.state} ({label(lead.state)})  owner {owner}{claimed}",
        f"  since   {_time(lead.created_at)}",
    ]
    if lead.grade is not None or lead.grade_history:
        path = f" ({', '.join(lead.grade_history)})" if lead.grade_history else ""
        lines.append(f"  grade   {lead.grade or '-'}{path}")
    return lines


def _clip(text: str | None, width: int = 40) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


async def render_profile(session: AsyncSession, profile_id: int) -> str:
    """The profile's identities, tags, points, channels, last messages and timeline."""
    profile = await session.get(Profile, profile_id)
    if profile is None:
        return f"profile #{profile_id} does not exist\n"
    since = utc_now() - timedelta(days=RECENT_POINTS_DAYS)
    recent = await points_since(session, profile_id, since)
    absorbed = list(
        await session.scalars(select(Profile.id).where(Profile.merged_into_id == profile_id))
    )
    first = await channel_label(session, profile.first_channel) or "-"
    last = await channel_label(session, profile.last_channel) or "-"
    lines = [
        f"Profile #{profile.id}"
        + (f" (merged from {', '.join(f'#{p}' for p in absorbed)})" if absorbed else ""),
        f"  unionid   {profile.unionid or '-'}",
        f"  phone     {profile.phone or '-'}",
        f"  points    {profile.score} ({recent} in the last {RECENT_POINTS_DAYS} days)",
        f"  channel   first {first}, last {last}",
        f"  created   {_time(profile.created_at)}",
        *lead_lines(await lead_of(session, profile_id)),
        "Identities",
    ]
    identities = await identities_of(session, profile_id)
    openids = [identity.value for identity in identities if identity.kind == "openid"]
    waiting = await unapplied_count(session, openids)
    if waiting:
        lines.insert(
            1,
            f"  ({waiting} newer event{'s' if waiting > 1 else ''} stored but not applied yet: "
            "the effects stage is behind)",
        )
    for identity in identities:
        state = "" if identity.kind != "openid" else (
            "subscribed" if identity.subscribed else "unsubscribed"
        )  # fmt: skip
        lines.append(
            f"  {pad(identity.kind, 16)}{pad(identity.app, 12)}{pad(identity.value, 32)}"
            f"{pad(state, 13)}last seen {_time(identity.last_seen_at)}"
        )
    lines.append("Tags")
    for tag in await tags_of(session, profile_id):
        expiry = f"  expires {_time(tag.expires_at)}" if tag.expires_at else ""
        lines.append(
            f"  {pad(tag.tag, 16)}{pad(tag.category, 10)}{pad(tag.source, 28)}"
            f"{_time(tag.created_at)}{expiry}"
        )
    lines.append(f"Last messages (newest {LAST_MESSAGES})")
    events = await session.scalars(
        select(InboundEvent)
        .where(InboundEvent.profile_id == profile_id)
        .order_by(InboundEvent.received_at.desc(), InboundEvent.id.desc())
        .limit(LAST_MESSAGES)
    )
    for event in events:
        what = event.event or event.msg_type
        body = event.content if event.msg_type in {"text", "voice"} else event.event_key
        rule = f"  (rule {event.rule})" if event.rule else ""
        lines.append(f"  {_time(event.received_at)}  {pad(what, 12)}{_clip(body)}{rule}")
    lines.extend(await _journey_lines(session, profile_id))
    lines.append(f"Timeline (newest {TIMELINE_ENTRIES})")
    lines.extend(
        _timeline_line(entry) for entry in await history(session, profile_id, TIMELINE_ENTRIES)
    )
    return "\n".join(lines) + "\n"


async def _journey_lines(session: AsyncSession, profile_id: int) -> list[str]:
    """The person's journey runs: where each active one is, how each ended one ended."""
    runs = await runs_of(session, profile_id)
    lines = ["Journeys"] if runs else []
    for run in runs:
        where = (
            f"next step {run.step + 1} at {_time(run.due_at)}"
            if run.status == "active"
            else f"{run.exit_reason or run.status} {_time(run.ended_at)}"
        )
        lines.append(f"  {pad(run.journey, 20)}{pad(run.status, 8)}{where}")
    return lines


def _timeline_line(entry: TimelineEntry) -> str:
    what = entry.tag or (f"{entry.points:+d}" if entry.points is not None else "") or ""
    detail = entry.detail or ""
    return (
        f"  {_time(entry.at)}  {pad(entry.kind, 16)}{pad(what, 16)}{pad(entry.source or '', 24)}"
        f"{detail}"
    ).rstrip()
