"""The dashboard: the period's figures as ECharts charts."""

from __future__ import annotations

import json

import aiohttp_jinja2
from aiohttp import web

from bot.admin.dashboard_figures import PERIODS, dashboard_figures
from bot.app_keys import SESSIONS
from storage.types import utc_now

routes = web.RouteTableDef()


@routes.get("/")
async def dashboard(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("days", "14")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 14
    figures = await dashboard_figures(request.config_dict[SESSIONS], utc_now(), days)
    return aiohttp_jinja2.render_template(
        "dashboard.html",
        request,
        {
            "days": days,
            "periods": PERIODS,
            "figures": figures,
            # Into a <script> block: json.dumps, then escaped by the |tojson-safe filter.
            "figures_json": json.dumps(figures.as_json(), ensure_ascii=False),
        },
    )
