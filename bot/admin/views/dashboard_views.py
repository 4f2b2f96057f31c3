"""The dashboard: the period's figures as ECharts charts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.dashboard_figures import PERIODS, dashboard_figures
from bot.app_keys import CACHE, SESSIONS
from storage.types import utc_now

routes = web.RouteTableDef()


@routes.get("/")
async def dashboard(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("days", "14")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 14
    config = request.config_dict
    figures = await dashboard_figures(config[SESSIONS], config[CACHE], utc_now(), days)
    return aiohttp_jinja2.render_template(
        "dashboard.html",
        request,
        {
            "days": days,
            "periods": PERIODS,
            # The template embeds figures.as_json() with |tojson, which escapes <, > and &
            # so no text in it can close the <script> block.
            "figures": figures,
        },
    )
