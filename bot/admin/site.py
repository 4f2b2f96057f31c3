"""The admin site as an aiohttp sub-application mounted at /admin/.

Its own middlewares (session, guard) run for its pages only, so the WeChat callback
path pays nothing for them. Views read the parent's resources through `config_dict`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.admin.catalogs import load_translations
from bot.admin.channels import ChannelNames
from bot.admin.guard import guard_middleware
from bot.admin.keys import SITE, TRANSLATIONS, SiteDeps
from bot.admin.seed import seed_demo_user
from bot.admin.signin import SignIn
from bot.admin.templating import setup_templates
from bot.admin.views import (
    audit_views,
    auth_views,
    channel_views,
    dashboard_views,
    journey_views,
    keyword_views,
    lead_views,
    menu_views,
    outbox_views,
    people_views,
    report_views,
    team_views,
    try_views,
    user_views,
)
from bot.app_keys import CHANNELS, SESSIONS, SETTINGS, TAGGING
from bot.config.settings import Settings
from bot.ops.keyword_trial import KeywordTrial
from storage.admin_users import AdminUsers

HERE = Path(__file__).resolve().parent
COOKIE = "wxbot_admin"
FAVICON_HEADERS = {"Content-Type": "image/x-icon", "Cache-Control": "max-age=86400"}


def session_key(settings: Settings) -> bytes | None:
    """The cookie key: configured, or in the demo derived from the demo's own config
    (stable across restarts and workers); None: the site is off."""
    configured = settings.admin.session_key.reveal()
    if configured:
        return base64.urlsafe_b64decode(configured.encode())
    if not settings.server.mount_fake_api:
        return None
    material = "wxbot demo admin session|" + "|".join(
        account.app_secret.reveal() for account in settings.wechat
    )
    return hashlib.sha256(material.encode()).digest()


def create_admin_site(settings: Settings, key: bytes) -> web.Application:
    site = web.Application()
    setup_session(
        site,
        EncryptedCookieStorage(
            key,  # raw bytes: the storage base64-encodes them for Fernet itself
            cookie_name=COOKIE,
            path="/admin",
            max_age=settings.admin.session_minutes * 60,
            httponly=True,
            samesite="Strict",
            secure=settings.admin.secure_cookie,
        ),
    )
    site.middlewares.append(guard_middleware)
    site[TRANSLATIONS] = load_translations()
    setup_templates(site)
    site.router.add_static("/static/", HERE / "static", name="static")
    for module in (
        auth_views, dashboard_views, user_views, audit_views, keyword_views, try_views,
        outbox_views, lead_views, people_views, report_views, journey_views,
        menu_views, channel_views, team_views,
    ):  # fmt: skip
        site.router.add_routes(module.routes)
    return site


async def _channel_names(app: web.Application) -> ChannelNames:
    """Channel names as the running bot knows them (see `bot.admin.channels`): the live
    table it serves, the directory (reread after each swap), the tagging rules' names."""
    tagging, live = app.get(TAGGING), app.get(CHANNELS)
    touch = dict(tagging.rules.touch.names) if tagging is not None else {}
    if live is None:
        return ChannelNames(touch=touch)
    names = ChannelNames(lambda: live.table, touch)
    await names.load_directory(app[SESSIONS])
    live.on_swap(lambda: names.reload_directory(app[SESSIONS]))
    return names


async def _site_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    users = AdminUsers(app[SESSIONS])
    sign_in = SignIn(
        users, settings.admin.lockout_failures, timedelta(minutes=settings.admin.lockout_minutes)
    )
    app[SITE] = SiteDeps(
        users=users, sign_in=sign_in, trial=KeywordTrial(), channels=await _channel_names(app)
    )
    await seed_demo_user(settings, users)
    yield


async def _to_site(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/admin/")


async def _favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(HERE / "static" / "favicon.ico", headers=FAVICON_HEADERS)


def mount_admin_site(app: web.Application, settings: Settings) -> None:
    """Add the site to the bot's app; without a session key (and not the demo) it is off."""
    key = session_key(settings)
    if key is None:
        return
    app.cleanup_ctx.append(_site_ctx)
    app.router.add_get("/admin", _to_site)
    # Browsers ask every site for /favicon.ico, whatever the page's <link rel=icon> says.
    app.router.add_get("/favicon.ico", _favicon)
    app.add_subapp("/admin", create_admin_site(settings, key))
