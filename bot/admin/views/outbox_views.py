"""The outbox: what the bot sent or is trying to send, each job drawn as what it sends,
and Retry for failed jobs. It opens on what needs attention (failed and retrying),
or on everything when nothing does."""

from __future__ import annotations

import json

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader, require, viewer
from bot.admin.keys import SITE
from bot.admin.masking import mask_for
from bot.admin.names import names
from bot.admin.outbox_words import draw
from bot.admin.roles import Permission
from bot.admin.views.forms import query_id
from bot.app_keys import OUTBOX_WORKER, SESSIONS
from storage.outbox_listing import JobState, requeue
from storage.reads.outbox import jobs_in, state_counts
from storage.types import utc_now

routes = web.RouteTableDef()
PAGE_ROWS = 20
ATTENTION = "attention"
ALL = "all"
# Tab → the states it lists, in the order the tabs show.
TABS: dict[str, tuple[JobState, ...]] = {
    ATTENTION: (JobState.FAILED, JobState.RETRYING),
    JobState.FAILED.value: (JobState.FAILED,),
    JobState.RETRYING.value: (JobState.RETRYING,),
    JobState.PENDING.value: (JobState.PENDING,),
    JobState.DONE.value: (JobState.DONE,),
    ALL: (),
}


@routes.get("/outbox")
async def outbox_page(request: web.Request) -> web.StreamResponse:
    sessions = request.config_dict[SESSIONS]
    counts = await state_counts(sessions)
    # Tabs of counted states show their count (done and all: none, see state_counts).
    tab_counts = {
        tab: sum(counts[state] for state in states)
        for tab, states in TABS.items()
        if states and all(state in counts for state in states)
    }
    tab = request.query.get("state", "")
    if tab not in TABS:
        tab = ATTENTION if tab_counts[ATTENTION] else ALL
    jobs = await jobs_in(sessions, TABS[tab], PAGE_ROWS + 1, query_id(request, "before"))
    mask, words, who = mask_for(request), reader(request), names(request)
    shown = []
    for job in jobs[:PAGE_ROWS]:
        # Masked as text, then read back: a phone may sit in any field or quoted message.
        payload = json.loads(mask(json.dumps(job.payload, ensure_ascii=False)))
        shown.append((job, draw(job.kind, payload, words, who, mask), mask(job.last_error or "")))
    return aiohttp_jinja2.render_template(
        "outbox.html",
        request,
        {
            "tab": tab,
            "tabs": TABS,
            "tab_counts": tab_counts,
            "jobs": shown,
            "older": jobs[PAGE_ROWS - 1].id if len(jobs) > PAGE_ROWS else None,
            "now": utc_now(),
        },
    )


@routes.post("/outbox/{job:\\d{1,9}}/retry")
@require(Permission.RETRY_JOBS)
async def retry(request: web.Request) -> web.StreamResponse:
    job_id = int(request.match_info["job"])
    if await requeue(request.config_dict[SESSIONS], job_id) != "failed":
        raise web.HTTPNotFound(text=reader(request).gettext("That job has not failed"))
    await request.config_dict[SITE].users.audit(
        viewer(request).name, "outbox.retry", f"job {job_id}", "", utc_now()
    )
    request.config_dict[OUTBOX_WORKER].wake()
    raise web.HTTPSeeOther("/admin/outbox?state=pending")
