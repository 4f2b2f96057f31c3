"""The outbox: what the bot sent or is trying to send, and Retry for failed jobs.

Lead alerts are shown as the card WeCom displays (built by the same `render_card`
the sender uses), so a newcomer sees what the salesperson got.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import require, viewer
from bot.admin.keys import SITE
from bot.admin.masking import mask_for
from bot.admin.roles import Permission
from bot.app_keys import OUTBOX_WORKER, SESSIONS
from leads.alerts import render_card
from leads.jobs import LEAD_ALERT
from storage.outbox_listing import JobState, JobView, list_jobs, requeue
from storage.types import utc_now

routes = web.RouteTableDef()
PAGE_ROWS = 50


def _card(payload: dict[str, object]) -> object:
    """The alert card as WeCom draws it; None for a payload an older release stored."""
    try:
        return render_card(LEAD_ALERT.decode(payload))["template_card"]
    except TypeError:
        return None


def _view(job: JobView, mask: Callable[[str], str]) -> dict[str, object]:
    # Masked as text, then read back: a phone may sit in any field or quoted message.
    payload = json.loads(mask(json.dumps(job.payload, ensure_ascii=False)))
    card = _card(payload) if job.kind == LEAD_ALERT.name else None
    return {
        "job": job,
        "card": card,
        "touser": payload.get("touser", ""),
        "payload": json.dumps(payload, ensure_ascii=False, indent=1),
        "last_error": mask(job.last_error or ""),
    }


@routes.get("/outbox")
async def outbox_page(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("state", JobState.PENDING.value)
    state = JobState(raw) if raw in set(JobState) else JobState.PENDING
    before = request.query.get("before", "")
    jobs = await list_jobs(
        request.config_dict[SESSIONS],
        state=state,
        limit=PAGE_ROWS,
        before_id=int(before) if before.isdigit() else None,
    )
    return aiohttp_jinja2.render_template(
        "outbox.html",
        request,
        {
            "state": state.value,
            "states": [s.value for s in JobState],
            "jobs": [_view(job, mask_for(request)) for job in jobs],
            "older": jobs[-1].id if len(jobs) == PAGE_ROWS else None,
        },
    )


@routes.post("/outbox/{job:\\d+}/retry")
@require(Permission.RETRY_JOBS)
async def retry(request: web.Request) -> web.StreamResponse:
    job_id = int(request.match_info["job"])
    if await requeue(request.config_dict[SESSIONS], job_id) != "failed":
        raise web.HTTPNotFound(text=f"job {job_id} is not failed")
    await request.config_dict[SITE].users.audit(
        viewer(request).name, "outbox.retry", f"job {job_id}", "", utc_now()
    )
    request.config_dict[OUTBOX_WORKER].wake()
    raise web.HTTPSeeOther("/admin/outbox?state=pending")
