"""Leads: the board by state or by salesperson with filters, one lead's page, and the
managers' actions (reassign from the board or the page, unlock do-not-disturb)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.guard import reader, require, viewer
from bot.admin.keys import SITE
from bot.admin.lead_cards import card_labels, card_views
from bot.admin.lead_words import answer_text, event_line, grade_path
from bot.admin.masking import mask_for
from bot.admin.names import live_policy, names
from bot.admin.roles import Permission
from bot.admin.views.forms import form_text, query_id, safe_next
from bot.admin.vocabulary import TRANSFER_STATE
from bot.app_keys import LEADS, OUTBOX_WORKER, SESSIONS
from leads.intake import summarize
from leads.lifecycle import LeadState
from leads.sales_actions import Answer, SalesActions
from storage import leads_repo
from storage.lead_board import LeadFilter, board_columns, channels
from storage.lead_models import Lead
from storage.reads.leads import lead_events_page, lead_notes
from storage.reads.people import person_cards
from storage.team.transfers import transfers_for_lead
from storage.types import utc_now

routes = web.RouteTableDef()
LeadAction = Callable[[SalesActions, AsyncSession, str, int], Awaitable[Answer]]
PER_COLUMN = 30
TIMELINE_PAGE = 20
AGES = {"1d": 1, "7d": 7, "30d": 30}


def _filter(request: web.Request) -> LeadFilter:
    query = request.query
    days = AGES.get(query.get("age", ""))
    return LeadFilter(
        channel=query.get("channel") or None,
        tag=query.get("tag") or None,
        state=query.get("state") or None,
        created_after=utc_now() - timedelta(days=days) if days else None,
        grade=query.get("grade") or None,
    )


@routes.get("/leads")
async def board(request: web.Request) -> web.StreamResponse:
    policy = live_policy(request)
    by = "owner" if request.query.get("by") == "owner" else "state"
    keys: list[str | None]
    if by == "state":
        keys = [state.value for state in LeadState]
    else:
        keys = [rep.userid for rep in policy.team.reps] if policy else []
        keys.append(None)
    where = _filter(request)
    sessions = request.config_dict[SESSIONS]
    columns = await board_columns(sessions, where, by, keys, PER_COLUMN)
    shown = [lead.profile_id for _, leads in columns.values() for lead in leads]
    async with sessions() as session:
        people = await person_cards(session, shown)
    words, who, mask, now = reader(request), names(request), mask_for(request), utc_now()
    cards = {
        key: (count, card_views(leads, people, words=words, who=who, mask=mask, now=now))
        for key, (count, leads) in columns.items()
    }
    return aiohttp_jinja2.render_template(
        "leads.html",
        request,
        {
            "by": by,
            "columns": [(key, *cards[key]) for key in keys],
            "labels": card_labels(words),
            "where": where,
            "channels": await channels(sessions),
            "states": [state.value for state in LeadState],
            "grades": [grade.name for grade in policy.grades] if policy else [],
            "ages": list(AGES),
            "query": request.query,
            "done": request.query.get("done", ""),
        },
    )


@routes.get("/leads/{lead:\\d{1,9}}")
async def lead_page(request: web.Request) -> web.StreamResponse:
    async with request.config_dict[SESSIONS]() as session:
        lead = await session.get(Lead, int(request.match_info["lead"]))
        if lead is None:
            raise web.HTTPNotFound(text=reader(request).gettext("There is no such lead"))
        summary = await summarize(session, lead)
        person = (await person_cards(session, [lead.profile_id]))[lead.profile_id]
        page = await lead_events_page(session, lead.id, TIMELINE_PAGE, query_id(request, "before"))
        notes = await lead_notes(session, lead.id)
        messages = await leads_repo.recent_messages(session, lead.profile_id, 10)
        transfers = await transfers_for_lead(session, lead.id)
    mask = mask_for(request)
    words, who = reader(request), names(request)
    return aiohttp_jinja2.render_template(
        "lead.html",
        request,
        {
            "lead": lead,
            "summary": summary,
            "person": person,
            "phone": mask(summary.phone or ""),
            # Followers type their numbers into messages too.
            "messages": [mask(text) for text in messages],
            "page": page,
            "lines": [event_line(event, words, who, mask) for event in page.events],
            "notes": notes,
            "grade_path": grade_path(summary.grade_history, words),
            # The newest WeCom customer transfer: where the customer stands.
            "transfer": transfers[0] if transfers else None,
            "transfer_states": TRANSFER_STATE,
            "mask": mask,
            "now": utc_now(),
            "done": request.query.get("done", ""),
        },
    )


async def _act(
    request: web.Request, action: str, target: str | None, run: LeadAction
) -> web.Response:
    """Run a lead service as the signed-in manager, audit it, and go back where asked."""
    lead_id = int(request.match_info["lead"])
    runtime = request.config_dict.get(LEADS)
    if runtime is None:
        raise web.HTTPNotFound(text=reader(request).gettext("Leads are not configured"))
    who = viewer(request).name
    async with request.config_dict[SESSIONS].begin() as session:
        # Lead events name the admin account, so the timeline says who did it.
        answer = await run(runtime.actions, session, f"admin:{who}"[:64], lead_id)
    if answer.ok:
        await request.config_dict[SITE].users.audit(
            who, action, f"lead #{lead_id}", target or "", utc_now()
        )
        request.config_dict[OUTBOX_WORKER].wake()
    back = safe_next(request.query.get("next") or f"/admin/leads/{lead_id}")
    flash = answer_text(answer, reader(request), names(request), target)
    joiner = "&" if "?" in back else "?"
    raise web.HTTPSeeOther(f"{back}{joiner}{urlencode({'done': flash})}")


@routes.post("/leads/{lead:\\d{1,9}}/reassign")
@require(Permission.MANAGE_LEADS)
async def reassign(request: web.Request) -> web.StreamResponse:
    target = form_text(await request.post(), "owner")

    async def run(desk: SalesActions, session: AsyncSession, actor: str, lead_id: int) -> Answer:
        return await desk.transfer(session, actor, lead_id, target, authorized=True)

    return await _act(request, "lead.reassign", target, run)


@routes.post("/leads/{lead:\\d{1,9}}/unlock")
@require(Permission.MANAGE_LEADS)
async def unlock(request: web.Request) -> web.StreamResponse:
    async def run(desk: SalesActions, session: AsyncSession, actor: str, lead_id: int) -> Answer:
        return await desk.unlock(session, actor, lead_id, authorized=True)

    return await _act(request, "lead.unlock", None, run)
