"""The site's gate: no page without a session, no change without the session's CSRF
token, and no change beyond the signed-in role's permissions."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import Session, get_session

from bot.admin.catalogs import Lang
from bot.admin.keys import READER, SITE, TRANSLATIONS, VIEWER, Viewer
from bot.admin.reader import Reader
from bot.admin.roles import Permission, may

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The language switch is open too: the sign-in page has it.
OPEN_PATHS = ("/admin/login", "/admin/static/", "/admin/lang")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token(session: Session) -> str:
    """The session's token, made on first use; it lives as long as the session."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


async def _csrf_ok(request: web.Request, session: Session) -> bool:
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str):
        return False
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        value = (await request.post()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Runs on every site request, before any view."""
    session = await get_session(request)
    lang = Lang.EN if session.get("lang") == Lang.EN else Lang.ZH
    request[READER] = Reader(lang, request.config_dict[TRANSLATIONS][lang])
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, session):
        raise web.HTTPForbidden(
            text=reader(request).gettext("The form is out of date: reload the page and try again")
        )
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    name = session.get("user")
    account = await request.config_dict[SITE].users.get(name) if isinstance(name, str) else None
    if account is None:
        # A removed user's cookie stops working at once: the role is read fresh each time.
        session.pop("user", None)
        if request.method in SAFE_METHODS:
            raise web.HTTPSeeOther(f"/admin/login?next={request.path_qs}")
        raise web.HTTPUnauthorized(text=reader(request).gettext("Sign in first"))
    request[VIEWER] = Viewer(account.name, account.role, csrf_token(session))
    return await handler(request)


def viewer(request: web.Request) -> Viewer:
    return request[VIEWER]


def reader(request: web.Request) -> Reader:
    """The language and formats of the person who asked (every site request has one)."""
    return request[READER]


def require(permission: Permission) -> Callable[[Handler], Handler]:
    """A view only roles granted `permission` may run; others get 403."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if not may(viewer(request).role, permission):
                raise web.HTTPForbidden(text=reader(request).gettext("Your role may not do this"))
            return await handler(request)

        return guarded

    return wrap
