"""People: search by phone, openid, name, `#id` or tag (a list), and one person's profile:
identities and merges, the lead, tags by kind, messages as a chat, journeys, timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.guard import reader
from bot.admin.masking import mask_for
from bot.admin.names import Names, names
from bot.admin.person_words import Said, event_said, timeline_said
from bot.admin.reader import Reader
from bot.admin.views.forms import query_id
from bot.app_keys import SESSIONS
from bot.callbacks.wechat_xml import MalformedXml, parse_envelope
from bot.ops.profile_text import RECENT_POINTS_DAYS, lead_of
from storage.journey_repo import runs_of
from storage.models import InboundEvent, Profile
from storage.pending_events import unapplied_count
from storage.profile_tags import tags_of
from storage.profiles import identities_of
from storage.reads.people import (
    leads_of,
    merged_into,
    messages_page,
    person_cards,
    points_since,
    search_people,
    timeline_page,
)
from storage.tagging_models import TimelineEntry
from storage.types import utc_now

routes = web.RouteTableDef()
PAGE = 20
TAG_KINDS = ("attribute", "behavior", "value")
MERGE_KINDS = ("merged", "identity_linked")


@dataclass(frozen=True)
class ChatLine:
    """One message or event of the person, and the bot's answer to it."""

    id: int
    at: datetime
    kind: str  # "text", "voice", an event name ("subscribe", "click"...), or another msg_type
    said: str  # what they wrote ("" for an event)
    event: Said  # what they did, for an event or another kind of message
    answer: str  # the bot's text reply; "" for none
    answer_kind: str  # the reply's MsgType when it was not text ("news", "image")
    rule: str | None


def _answer(reply: str | None) -> tuple[str, str]:
    if not reply:
        return "", ""
    try:
        fields = parse_envelope(reply.encode())
    except MalformedXml:
        return "", ""
    kind = fields.get("MsgType", "")
    return (fields.get("Content", ""), "") if kind == "text" else ("", kind)


def _line(event: InboundEvent, words: Reader, who: Names, mask: Callable[[str], str]) -> ChatLine:
    kind = event.event or event.msg_type
    answer, answer_kind = _answer(event.reply)
    if event.msg_type in ("text", "voice"):
        said, did = mask(event.content or ""), Said()
    else:
        key = (event.event_key or "").removeprefix("qrscene_")
        said, did = "", event_said(kind, key, words, who)
    return ChatLine(event.id, event.received_at, kind, said, did, mask(answer), answer_kind,
                    event.rule)  # fmt: skip


@routes.get("/people")
async def people(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "").strip()
    found: list[int] = []
    cards = {}
    leads = {}
    if query:
        async with request.config_dict[SESSIONS]() as session:
            found = await search_people(session, query)
            if len(found) == 1:
                raise web.HTTPSeeOther(f"/admin/people/{found[0]}")
            cards = await person_cards(session, found)
            leads = await leads_of(session, found)
    return aiohttp_jinja2.render_template(
        "people.html",
        request,
        {
            "q": query,
            "found": found,
            "cards": cards,
            "leads": leads,
            "mask": mask_for(request),
            "now": utc_now(),
        },
    )


@routes.get("/people/{profile:\\d{1,9}}")
async def person(request: web.Request) -> web.StreamResponse:
    mask, words, who = mask_for(request), reader(request), names(request)
    now = utc_now()
    async with request.config_dict[SESSIONS]() as session:
        profile = await session.get(Profile, int(request.match_info["profile"]))
        if profile is None:
            raise web.HTTPNotFound(text=reader(request).gettext("There is no such person"))
        if profile.merged_into_id is not None:
            raise web.HTTPSeeOther(f"/admin/people/{profile.merged_into_id}")
        profile_id = profile.id
        card = (await person_cards(session, [profile_id]))[profile_id]
        identities = await identities_of(session, profile_id)
        openids = [identity.value for identity in identities if identity.kind == "openid"]
        tags = await tags_of(session, profile_id)
        said = await messages_page(session, profile_id, PAGE, query_id(request, "said_before"))
        timeline = await timeline_page(session, profile_id, PAGE, query_id(request, "before"))
        context = {
            "profile": profile,
            "card": card,
            "identities": identities,
            "merged": await merged_into(session, profile_id),
            "merges": await _merges(session, profile_id),
            "lead": await lead_of(session, profile_id),
            "tags": {kind: [tag for tag in tags if tag.category == kind] for kind in TAG_KINDS},
            "chat": [_line(event, words, who, mask) for event in reversed(said.items)],
            "said_older": said.older,
            "timeline": [
                (entry, timeline_said(entry, words, who, mask)) for entry in timeline.items
            ],
            "timeline_older": timeline.older,
            "runs": await runs_of(session, profile_id),
            "recent_points": await points_since(
                session, profile_id, now - timedelta(days=RECENT_POINTS_DAYS)
            ),
            "recent_days": RECENT_POINTS_DAYS,
            "waiting": await unapplied_count(session, openids),
            "phone": mask(profile.phone or ""),
            "mask": mask,
            "now": now,
        }
    return aiohttp_jinja2.render_template("person.html", request, context)


async def _merges(session: AsyncSession, profile_id: int) -> list[TimelineEntry]:
    """How this person came together: identities linked, profiles merged (OneID)."""
    rows = await session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.profile_id == profile_id, TimelineEntry.kind.in_(MERGE_KINDS))
        .order_by(TimelineEntry.id)
    )
    return list(rows)
