"""Typed keys of the admin site's sub-application and of what a request carries."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.admin.signin import SignIn
from bot.ops.keyword_trial import KeywordTrial
from storage.admin_users import AdminUsers


@dataclass(frozen=True)
class SiteDeps:
    """What the site's views share; built when the parent app's database is open."""

    users: AdminUsers
    sign_in: SignIn
    trial: KeywordTrial


@dataclass(frozen=True)
class Viewer:
    """The signed-in person of a request."""

    name: str
    role: str
    csrf: str
    lang: str


SITE = web.AppKey("admin_site", SiteDeps)
TRIAL = web.AppKey("admin_trial", KeywordTrial)
VIEWER = web.RequestKey("admin_viewer", Viewer)
