"""The audit page: every change made on the site or by `wxbot admin`, newest first."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.keys import SITE

routes = web.RouteTableDef()
PAGE_ROWS = 50


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.StreamResponse:
    before = request.query.get("before", "")
    entries = await request.config_dict[SITE].users.audit_log(
        PAGE_ROWS, int(before) if before.isdigit() else None
    )
    older = entries[-1].id if len(entries) == PAGE_ROWS else None
    return aiohttp_jinja2.render_template(
        "audit.html", request, {"entries": entries, "older": older}
    )
