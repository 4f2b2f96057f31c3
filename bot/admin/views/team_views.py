"""The sales team (managers): who is at work, on leave or gone, with their load; one
person's page with edits, leave and return, hand-over and its history.

Every change goes through `bot.ops.team_ops.TeamOps`, the CLI's own: checked against
the whole team, audited, live in every process within 2 s. Everyone signed in reads;
only roles granted `Permission.MANAGE_TEAM` (managers) change anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import StrEnum
from urllib.parse import quote, urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader, require, viewer
from bot.admin.names import live_policy
from bot.admin.roles import Permission
from bot.admin.views.forms import FormData, form_text
from bot.admin.vocabulary import TRANSFER_STATE
from bot.app_keys import CACHE, CUSTOMER_MOVER, OUTBOX_WORKER, SESSIONS
from bot.ops.team_ops import TeamOps, TeamOpsError
from bot.runtime.team import local_day
from filecheck.wording import N_, Wording
from leads.lifecycle import OPEN_STATES
from leads.team import Status
from storage import leads_repo
from storage.team.transfer_models import SPLIT
from storage.team.transfers import TransferView, transfers_for_handover
from storage.types import utc_now

routes = web.RouteTableDef()
USERID = "{userid:[^/]{1,64}}"
Change = Callable[[TeamOps, str, FormData], Awaitable[str]]


def _ops(request: web.Request) -> TeamOps:
    rules = live_policy(request)
    if rules is None:
        raise web.HTTPNotFound(text=reader(request).gettext("Leads are not configured"))
    config = request.config_dict
    mover = config.get(CUSTOMER_MOVER)
    return TeamOps(rules, config[SESSIONS], config[CACHE], clock=utc_now, mover=mover)


def state_counts(views: list[TransferView]) -> list[tuple[str, int]]:
    """How many transfers stand in each state, in the vocabulary's order (queued → done →
    the failures), states with none left out."""
    counts = dict.fromkeys(TRANSFER_STATE, 0)
    for view in views:
        counts[view.state] = counts.get(view.state, 0) + 1
    return [(state, count) for state, count in counts.items() if count]


@routes.get("/team")
async def team_page(request: web.Request) -> web.StreamResponse:
    ops = _ops(request)
    return aiohttp_jinja2.render_template(
        "team.html", request, {"lines": await ops.team(), "status": Status}
    )


@routes.get(f"/team/{USERID}")
async def member_page(request: web.Request) -> web.StreamResponse:
    ops = _ops(request)
    userid = request.match_info["userid"]
    try:
        line = await ops.line(userid)
    except TeamOpsError:
        raise web.HTTPNotFound(
            text=reader(request).gettext("There is no such salesperson")
        ) from None
    lines = await ops.team()
    handovers = await ops.handovers(userid)
    async with ops.sessions() as session:
        leads = await leads_repo.leads_owned(session, userid, OPEN_STATES)
        # Each hand-over's WeCom customers: where each transfer stands now.
        transfers = {h.id: await transfers_for_handover(session, h.id) for h in handovers}
    others = [other.rep for other in lines if other.rep.userid != userid]
    return aiohttp_jinja2.render_template(
        "team_member.html",
        request,
        {
            "line": line,
            "rep": line.rep,
            "status": Status,
            "leads": leads,
            "takers": [rep for rep in others if rep.status == Status.ACTIVE],
            "others": others,
            "handovers": handovers,
            "transfers": transfers,
            "transfer_counts": {key: state_counts(views) for key, views in transfers.items()},
            "transfer_states": TRANSFER_STATE,
            "split_states": SPLIT,
            "tomorrow": date.fromordinal(local_day(utc_now()).toordinal() + 1).isoformat(),
            "done": request.query.get("done", ""),
            "error": request.query.get("error", ""),
            "problems": request.query.getall("problem", []),
        },
    )


async def _change(request: web.Request, run: Change) -> web.Response:
    """Run one change as the signed-in manager; back to the person's page with its outcome."""
    userid = request.match_info["userid"]
    words = reader(request)
    form = await request.post()
    back = f"/admin/team/{quote(userid)}"
    try:
        done = await run(_ops(request), viewer(request).name, form)
    except TeamOpsError as error:
        query = [("error", words.words(error.wording))]
        query += [("problem", words.words(problem)) for problem in error.problems]
        raise web.HTTPSeeOther(f"{back}?{urlencode(query)}") from None
    request.config_dict[OUTBOX_WORKER].wake()
    raise web.HTTPSeeOther(f"{back}?{urlencode({'done': done})}")


def _optional(form: FormData, key: str) -> str | None:
    return form_text(form, key).strip() or None


@routes.post(f"/team/{USERID}/edit")
@require(Permission.MANAGE_TEAM)
async def edit(request: web.Request) -> web.StreamResponse:
    who: dict[str, str | int | StrEnum | Wording] = {"userid": request.match_info["userid"]}

    async def run(ops: TeamOps, actor: str, form: FormData) -> str:
        raw_cap = form_text(form, "max_open").strip() or "0"
        if not raw_cap.lstrip("-").isdigit():
            problem = Wording(N_("max_open must be a whole number, got %(got)s"), {"got": raw_cap})
            raise TeamOpsError(Wording(N_("cannot edit %(userid)s"), who), [problem])
        cap = int(raw_cap)
        tags = tuple(
            t.strip() for t in form_text(form, "tags").replace("，", ",").split(",") if t.strip()
        )
        await ops.edit(
            actor, request.match_info["userid"], name=form_text(form, "name").strip(), tags=tags,
            max_open=None if cap == 0 else cap, manager=_optional(form, "manager"),
            deputy=_optional(form, "deputy"),
        )  # fmt: skip
        return reader(request).gettext(N_("Saved"))

    return await _change(request, run)


@routes.post(f"/team/{USERID}/leave")
@require(Permission.MANAGE_TEAM)
async def leave(request: web.Request) -> web.StreamResponse:
    async def run(ops: TeamOps, actor: str, form: FormData) -> str:
        words, userid = reader(request), request.match_info["userid"]
        if form_text(form, "left"):
            await ops.mark_left(actor, userid)
            return words.gettext(N_("Marked as left: no new leads, out of every rota"))
        try:
            until = date.fromisoformat(form_text(form, "until"))
        except ValueError:
            refusal = Wording(N_("cannot give %(userid)s leave"), {"userid": userid})
            raise TeamOpsError(refusal, [Wording(N_("Give the day they are back"))]) from None
        await ops.leave(actor, userid, until, _optional(form, "deputy"))
        return words.gettext(N_("On leave until %(day)s")) % {"day": until.isoformat()}

    return await _change(request, run)


@routes.post(f"/team/{USERID}/return")
@require(Permission.MANAGE_TEAM)
async def back_at_work(request: web.Request) -> web.StreamResponse:
    async def run(ops: TeamOps, actor: str, form: FormData) -> str:
        del form
        await ops.back(actor, request.match_info["userid"])
        return reader(request).gettext(N_("Back at work: takes leads again"))

    return await _change(request, run)


@routes.post(f"/team/{USERID}/handover")
@require(Permission.MANAGE_TEAM)
async def handover(request: web.Request) -> web.StreamResponse:
    async def run(ops: TeamOps, actor: str, form: FormData) -> str:
        words = reader(request)
        to = _optional(form, "to") if form_text(form, "mode") == "person" else None
        raw = form_text(form, "leads").replace("#", "").replace("，", ",")
        ids = [int(part) for part in raw.split(",") if part.strip().isdigit()] or None
        done = await ops.handover(
            actor, request.match_info["userid"], to=to, lead_ids=ids,
            reason=form_text(form, "reason").strip(), lead_actor=f"admin:{actor}"[:64],
        )  # fmt: skip
        return words.ngettext(
            "Hand-over #%(id)s: %(num)s lead handed over",
            "Hand-over #%(id)s: %(num)s leads handed over",
            len(done.owners),
        ) % {"id": done.handover_id, "num": len(done.owners)}

    return await _change(request, run)
