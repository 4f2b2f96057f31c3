"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.admin.catalogs import Lang
from bot.admin.guard import csrf_token
from bot.admin.keys import SITE
from bot.admin.signin import Outcome
from bot.admin.views.forms import form_text, safe_next
from keywords.hours import shanghai
from storage.types import utc_now

routes = web.RouteTableDef()


@routes.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template(
        "login.html", request, {"error": "", "next": safe_next(request.query.get("next"))}
    )


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, password = form_text(form, "name"), form_text(form, "password")
    target = safe_next(form_text(form, "next"))
    result = await request.config_dict[SITE].sign_in.attempt(name, password, utc_now())
    if result.outcome is Outcome.OK and result.account is not None:
        lang = (await get_session(request)).get("lang")
        # A fresh session on sign-in: a cookie planted before it is worth nothing after.
        session = await new_session(request)
        session["user"] = result.account.name
        session["lang"] = Lang.EN if lang == Lang.EN else Lang.ZH
        csrf_token(session)
        raise web.HTTPSeeOther(target)
    error = "wrong_password"
    until = ""
    if result.outcome is Outcome.LOCKED and result.locked_until is not None:
        error = "locked"
        until = result.locked_until.astimezone(shanghai()).strftime("%H:%M")
    return aiohttp_jinja2.render_template(
        "login.html",
        request,
        {"error": error, "until": until, "next": target},
        status=429 if error == "locked" else 401,
    )


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session.invalidate()
    raise web.HTTPSeeOther("/admin/login")


@routes.post("/lang")
async def switch_language(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    session["lang"] = Lang.EN if session.get("lang") != Lang.EN else Lang.ZH
    raise web.HTTPSeeOther(safe_next(form_text(await request.post(), "next")))
