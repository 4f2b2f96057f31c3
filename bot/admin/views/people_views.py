"""People: find a profile by openid, phone or #id, and show what `wxbot users show` prints."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.masking import mask_for
from bot.app_keys import SESSIONS
from bot.ops.profile_text import render_profile
from storage.profile_lookup import find_profile

routes = web.RouteTableDef()


@routes.get("/people")
async def people(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "").strip()
    profile_text = None
    if query:
        async with request.config_dict[SESSIONS]() as session:
            profile_id = await find_profile(session, query)
            if profile_id is not None:
                profile_text = mask_for(request)(await render_profile(session, profile_id))
    return aiohttp_jinja2.render_template(
        "people.html", request, {"q": query, "profile": profile_text}
    )
