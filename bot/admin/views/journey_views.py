"""Journeys: each configured journey's figures, and one journey's table and funnel."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader
from bot.admin.journey_figures import journey_figures, journey_lines, trigger_parts, wait_text
from bot.app_keys import JOURNEYS, SESSIONS

routes = web.RouteTableDef()


@routes.get("/journeys")
async def journeys(request: web.Request) -> web.StreamResponse:
    runtime = request.config_dict.get(JOURNEYS)
    lines = []
    if runtime is not None:
        async with request.config_dict[SESSIONS]() as session:
            lines = await journey_lines(session, runtime.catalog)
    return aiohttp_jinja2.render_template(
        "journeys.html",
        request,
        {"configured": runtime is not None, "lines": lines, "trigger_parts": trigger_parts},
    )


@routes.get("/journeys/{name}")
async def journey_page(request: web.Request) -> web.StreamResponse:
    runtime = request.config_dict.get(JOURNEYS)
    journey = None if runtime is None else runtime.catalog.get(request.match_info["name"])
    if journey is None:
        raise web.HTTPNotFound(text=reader(request).gettext("There is no such journey"))
    async with request.config_dict[SESSIONS]() as session:
        figures = await journey_figures(session, journey)
    words = reader(request)
    return aiohttp_jinja2.render_template(
        "journey.html",
        request,
        {
            "figures": figures,
            # Embedded with |tojson, which escapes <, > and & so no journey name or
            # exit reason can close the <script> block.
            "funnel": figures.funnel(words),
            "waits": [wait_text(step.wait, words) for step in figures.steps],
            "trigger_parts": trigger_parts,
        },
    )
