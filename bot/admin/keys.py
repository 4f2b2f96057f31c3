"""Typed keys of the admin site's sub-application and of what a request carries."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from babel.support import Translations

from bot.admin.catalogs import Lang
from bot.admin.channels import ChannelNames
from bot.admin.reader import Reader
from bot.admin.signin import SignIn
from bot.ops.keyword_trial import KeywordTrial
from storage.admin_users import AdminUsers


@dataclass(frozen=True)
class SiteDeps:
    """What the site's views share; built when the parent app's database is open."""

    users: AdminUsers
    sign_in: SignIn
    trial: KeywordTrial
    # The one way a channel key becomes the name people read (see bot.admin.channels).
    channels: ChannelNames


@dataclass(frozen=True)
class Viewer:
    """The signed-in person of a request."""

    name: str
    role: str
    csrf: str


SITE = web.AppKey("admin_site", SiteDeps)
TRIAL = web.AppKey("admin_trial", KeywordTrial)
TRANSLATIONS = web.AppKey("admin_translations", dict[Lang, Translations])
VIEWER = web.RequestKey("admin_viewer", Viewer)
READER = web.RequestKey("admin_reader", Reader)
