"""Leads: the board by state or by salesperson with filters, and one lead's page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin.guard import require, viewer
from bot.admin.keys import SITE
from bot.admin.masking import mask_for
from bot.admin.roles import Permission
from bot.admin.views.forms import form_text
from bot.app_keys import LEADS, OUTBOX_WORKER, SESSIONS, SETTINGS
from leads.alerts import grade_text
from leads.intake import summarize
from leads.lifecycle import LeadState, label
from leads.limits import TIMELINE_ENTRIES
from leads.sales_actions import Answer, SalesActions
from leads.views import KIND_LABELS, age, owner_name
from storage import leads_repo
from storage.lead_board import LeadFilter, board_columns, channels
from storage.lead_models import Lead
from storage.types import utc_now

routes = web.RouteTableDef()
LeadAction = Callable[[SalesActions, AsyncSession, str, int], Awaitable[Answer]]
PER_COLUMN = 30
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
    policy = request.config_dict[SETTINGS].leads
    by = "owner" if request.query.get("by") == "owner" else "state"
    keys: list[str | None]
    if by == "state":
        keys = [state.value for state in LeadState]
    else:
        keys = [rep.userid for rep in policy.sales] if policy else []
        keys.append(None)
    where = _filter(request)
    sessions = request.config_dict[SESSIONS]
    columns = await board_columns(sessions, where, by, keys, PER_COLUMN)
    now = utc_now()
    titles = {
        key: (label(key) if by == "state" and key else
              owner_name(policy, key) if policy else str(key))
        for key in keys
    }  # fmt: skip
    return aiohttp_jinja2.render_template(
        "leads.html",
        request,
        {
            "by": by,
            "columns": [(key, titles[key], *columns[key]) for key in keys],
            "where": where,
            "age_of": lambda lead: age(lead.created_at, now),
            "channels": await channels(sessions),
            "states": [state.value for state in LeadState],
            "grades": [grade.name for grade in policy.grades] if policy else [],
            "query": request.query,
        },
    )


@routes.get("/leads/{lead:\\d+}")
async def lead_page(request: web.Request) -> web.StreamResponse:
    policy = request.config_dict[SETTINGS].leads
    async with request.config_dict[SESSIONS]() as session:
        lead = await session.get(Lead, int(request.match_info["lead"]))
        if lead is None:
            raise web.HTTPNotFound(text="no such lead")
        summary = await summarize(session, lead)
        events = await leads_repo.timeline(session, lead.id, TIMELINE_ENTRIES)
    mask = mask_for(request)
    return aiohttp_jinja2.render_template(
        "lead.html",
        request,
        {
            "lead": lead,
            "state_label": label(lead.state),
            "owner": owner_name(policy, lead.owner) if policy else lead.owner,
            "summary": summary,
            "grade": grade_text(summary),
            "phone": mask(summary.phone or ""),
            # Followers type their numbers into messages too.
            "messages": [mask(text) for text in summary.messages],
            "events": events,
            "kinds": KIND_LABELS,
            "notes": [event for event in events if event.kind == "note"],
            "mask": mask,
            "answer": request.query.get("answer", ""),
            "sales": policy.sales if policy else (),
        },
    )


async def _act(request: web.Request, action: str, detail: str, run: LeadAction) -> web.Response:
    """Run a lead service as the signed-in manager, audit it, and go back to the lead."""
    lead_id = int(request.match_info["lead"])
    runtime = request.config_dict.get(LEADS)
    if runtime is None:
        raise web.HTTPNotFound(text="leads are not configured")
    who = viewer(request).name
    async with request.config_dict[SESSIONS].begin() as session:
        # Lead events name the admin account, so the timeline says who did it.
        answer = await run(runtime.actions, session, f"admin:{who}"[:64], lead_id)
    if answer.ok:
        await request.config_dict[SITE].users.audit(
            who, action, f"lead #{lead_id}", detail, utc_now()
        )
        request.config_dict[OUTBOX_WORKER].wake()
    raise web.HTTPSeeOther(f"/admin/leads/{lead_id}?{urlencode({'answer': answer.text})}")


@routes.post("/leads/{lead:\\d+}/reassign")
@require(Permission.MANAGE_LEADS)
async def reassign(request: web.Request) -> web.StreamResponse:
    target = form_text(await request.post(), "owner")

    async def run(desk: SalesActions, session: AsyncSession, actor: str, lead_id: int) -> Answer:
        return await desk.transfer(session, actor, lead_id, target, authorized=True)

    return await _act(request, "lead.reassign", f"to {target}", run)


@routes.post("/leads/{lead:\\d+}/unlock")
@require(Permission.MANAGE_LEADS)
async def unlock(request: web.Request) -> web.StreamResponse:
    async def run(desk: SalesActions, session: AsyncSession, actor: str, lead_id: int) -> Answer:
        return await desk.unlock(session, actor, lead_id, authorized=True)

    return await _act(request, "lead.unlock", "", run)
