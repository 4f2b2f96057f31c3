"""`wxbot users show OPENID|PHONE|ID`: one profile as ops need it, on one screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from keywords.hours import shanghai
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.journey_repo import runs_of
from storage.lead_models import Lead
from storage.leads_repo import grade_history
from storage.models import InboundEvent, PointEntry, Profile
from storage.profile_lookup import find_profile
from storage.profile_tags import tags_of
from storage.profiles import identities_of
from storage.tagging_models import TimelineEntry
from storage.timeline import history
from storage.types import utc_now

LAST_MESSAGES = 10
TIMELINE_ENTRIES = 20
RECENT_POINTS_DAYS = 30


def _time(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(shanghai()).strftime("%Y-%m-%d %H:%M")


def _clip(text: str | None, width: int = 40) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


async def show_user(settings: Settings, query: str, out: TextIO) -> int:
    """Print the profile `query` names; 1 when none does."""
    # Like `serve`: a database from before this feature gets its tables first.
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    try:
        async with create_session_factory(engine)() as session:
            profile_id = await find_profile(session, query)
            if profile_id is None:
                out.write(f"no profile matches {query!r}\n")
                return 1
            out.write(await render_profile(session, profile_id))
            return 0
    finally:
        await engine.dispose()


async def render_profile(session: AsyncSession, profile_id: int) -> str:
    """The profile's identities, tags, points, channels, last messages and timeline."""
    profile = await session.get(Profile, profile_id)
    if profile is None:
        return f"profile #{profile_id} does not exist\n"
    since = utc_now() - timedelta(days=RECENT_POINTS_DAYS)
    recent = await session.scalar(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.profile_id == profile_id, PointEntry.created_at >= since
        )
    )
    absorbed = list(
        await session.scalars(select(Profile.id).where(Profile.merged_into_id == profile_id))
    )
    lines = [
        f"Profile #{profile.id}"
        + (f" (merged from {', '.join(f'#{p}' for p in absorbed)})" if absorbed else ""),
        f"  unionid   {profile.unionid or '-'}",
        f"  phone     {profile.phone or '-'}",
        f"  points    {profile.score} ({recent} in the last {RECENT_POINTS_DAYS} days)",
        f"  channel   first {profile.first_channel or '-'}, last {profile.last_channel or '-'}",
        f"  created   {_time(profile.created_at)}",
        *await _lead_lines(session, profile_id),
        "Identities",
    ]
    for identity in await identities_of(session, profile_id):
        state = "" if identity.kind != "openid" else (
            "subscribed" if identity.subscribed else "unsubscribed"
        )  # fmt: skip
        lines.append(
            f"  {identity.kind:<16}{identity.app:<12}{identity.value:<32}{state:<13}"
            f"last seen {_time(identity.last_seen_at)}"
        )
    lines.append("Tags")
    for tag in await tags_of(session, profile_id):
        expiry = f"  expires {_time(tag.expires_at)}" if tag.expires_at else ""
        lines.append(
            f"  {tag.tag:<16}{tag.category:<10}{tag.source:<28}{_time(tag.created_at)}{expiry}"
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
        body = event.content if event.msg_type == "text" else event.event_key
        rule = f"  (rule {event.rule})" if event.rule else ""
        lines.append(f"  {_time(event.received_at)}  {what:<12}{_clip(body)}{rule}")
    runs = await runs_of(session, profile_id)
    if runs:
        lines.append("Journeys")
    for run in runs:
        where = (
            f"next step {run.step + 1} at {_time(run.due_at)}"
            if run.status == "active"
            else f"{run.exit_reason or run.status} {_time(run.ended_at)}"
        )
        lines.append(f"  {run.journey:<20}{run.status:<8}{where}")
    lines.append(f"Timeline (newest {TIMELINE_ENTRIES})")
    lines.extend(
        _timeline_line(entry) for entry in await history(session, profile_id, TIMELINE_ENTRIES)
    )
    return "\n".join(lines) + "\n"


async def _lead_lines(session: AsyncSession, profile_id: int) -> list[str]:
    """The lead and its grade with the grade's history, when the person is a lead."""
    lead = await session.scalar(select(Lead).where(Lead.profile_id == profile_id))
    if lead is None:
        return ["  lead      -"]
    history = await grade_history(session, lead.id)
    path = f" ({', '.join(history)})" if history else ""
    return [
        f"  lead      #{lead.id} {lead.state}, owner {lead.owner or 'pool'}",
        f"  grade     {lead.grade or '-'}{path}",
    ]


def _timeline_line(entry: TimelineEntry) -> str:
    what = entry.tag or (f"{entry.points:+d}" if entry.points is not None else "") or ""
    detail = entry.detail or ""
    return (
        f"  {_time(entry.at)}  {entry.kind:<16}{what:<16}{entry.source or '':<24}{detail}".rstrip()
    )
