"""Admin users: the list for everyone, add, new password and remove for ops."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader, require, viewer
from bot.admin.keys import SITE
from bot.admin.passwords import MIN_PASSWORD_CHARS, hash_password
from bot.admin.roles import Permission, Role
from bot.admin.views.forms import form_text
from filecheck.wording import N_
from storage.types import utc_now

routes = web.RouteTableDef()


async def _page(request: web.Request, error: str = "", status: int = 200) -> web.StreamResponse:
    users = await request.config_dict[SITE].users.all()
    return aiohttp_jinja2.render_template(
        "users.html",
        request,
        {"users": users, "roles": [role.value for role in Role], "error": error},
        status=status,
    )


def _say(request: web.Request, message: str, **fields: object) -> str:
    return reader(request).gettext(message) % fields


def _too_short(request: web.Request) -> str:
    return _say(request, N_("The password needs %(n)s characters or more"), n=MIN_PASSWORD_CHARS)


@routes.get("/users")
async def users_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@routes.post("/users")
@require(Permission.MANAGE_USERS)
async def add_user(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, role, password = (
        form_text(form, "name"),
        form_text(form, "role"),
        form_text(form, "password"),
    )
    if role not in {r.value for r in Role} or not name.strip():
        return await _page(request, _say(request, N_("Give a name and a role")), 400)
    if len(password) < MIN_PASSWORD_CHARS:
        return await _page(request, _too_short(request), 400)
    users = request.config_dict[SITE].users
    if not await users.add(
        name.strip(), role, await hash_password(password), viewer(request).name, utc_now()
    ):
        return await _page(request, _say(request, N_("%(name)s exists already"), name=name), 409)
    raise web.HTTPSeeOther("/admin/users")


@routes.post("/users/{name}/passwd")
@require(Permission.MANAGE_USERS)
async def set_password(request: web.Request) -> web.StreamResponse:
    password = form_text(await request.post(), "password")
    if len(password) < MIN_PASSWORD_CHARS:
        return await _page(request, _too_short(request), 400)
    users = request.config_dict[SITE].users
    if not await users.set_password(
        request.match_info["name"], await hash_password(password), viewer(request).name, utc_now()
    ):
        raise web.HTTPNotFound(text=_say(request, N_("There is no such user")))
    raise web.HTTPSeeOther("/admin/users")


@routes.post("/users/{name}/remove")
@require(Permission.MANAGE_USERS)
async def remove_user(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name == viewer(request).name:
        return await _page(request, _say(request, N_("You cannot remove yourself")), 400)
    if not await request.config_dict[SITE].users.remove(name, viewer(request).name, utc_now()):
        raise web.HTTPNotFound(text=_say(request, N_("There is no such user")))
    raise web.HTTPSeeOther("/admin/users")
