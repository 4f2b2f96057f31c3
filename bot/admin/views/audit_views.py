"""The audit page: every change made on the site, by `wxbot admin`, or by a keyword
publish or rollback from anywhere (the CLI too), newest first."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.audit_words import audit_line
from bot.admin.guard import reader
from bot.admin.keys import SITE
from bot.admin.names import names
from bot.admin.views.forms import query_id

routes = web.RouteTableDef()
PAGE_ROWS = 50


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.StreamResponse:
    entries = await request.config_dict[SITE].users.audit_log(
        PAGE_ROWS, query_id(request, "before")
    )
    words, who = reader(request), names(request)
    return aiohttp_jinja2.render_template(
        "audit.html",
        request,
        {
            "lines": [audit_line(entry, words, who) for entry in entries],
            "older": entries[-1].id if len(entries) == PAGE_ROWS else None,
        },
    )
